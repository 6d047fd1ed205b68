# SPDX-License-Identifier: Apache-2.0
"""TOTP through the `vigil` commands against a real vigild: enrolment by an
authenticator (RFC 6238 computed here from the otpauth:// URI, as an app
would), logins that need a fresh code, a code that works once, disabling."""
import base64
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "correct horse battery staple\n"
EMAIL = "alice@example.com"


def totp(secret_b32: str, at: float) -> str:
    """RFC 6238 with SHA-1, 30 s steps, 6 digits (RFC 4226 dynamic truncation)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1_000_000)


class TotpTest(harness.VigilTestCase):
    def enable_totp(self, profile) -> str:
        """Runs `vigil totp enable` as a person would: read the URI, type the code."""
        env = dict(os.environ, VIGIL_HOME=str(profile.home))
        proc = subprocess.Popen(
            [str(harness.BIN / "vigil"), "--server", self.server.url, "--ca", str(self.server.ca),
             "--profile", profile.name, "totp", "enable"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        uri = ""
        while not uri.startswith("otpauth://"):
            line = proc.stdout.readline()
            if not line:
                proc.kill()
                self.fail("vigil totp enable printed no otpauth URI: " + proc.stderr.read())
            uri = line.strip()
        secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
        out, err = proc.communicate(totp(secret, time.time()) + "\n", timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("TOTP is on", out)
        return secret

    def login(self, profile, *extra, password=PASSWORD):
        return profile.run("login", "--email", EMAIL, *extra, "--password-stdin", stdin=password)

    def test_logins_need_a_fresh_code_once_totp_is_on(self):
        laptop = self.profile("laptop")
        kit = laptop.home / "kit.json"
        self.assertOk(laptop.run("account", "create", "--email", EMAIL, "--kit", str(kit),
                                 "--password-stdin", stdin=PASSWORD))
        secret = self.enable_totp(laptop)
        phone = self.profile("phone")

        missing = self.login(phone, "--kit", str(kit))
        self.assertRefused(missing)
        self.assertIn("one-time code required", missing.err)
        time.sleep(1.2)
        wrong_code = "%06d" % ((int(totp(secret, time.time())) + 1) % 1_000_000)
        wrong = self.login(phone, "--kit", str(kit), "--totp", wrong_code)
        self.assertRefused(wrong)
        time.sleep(2.2)
        # The enrolment used this step's code; the next step's code is fresh
        # and inside the ±1 step window.
        code = totp(secret, time.time() + 30)
        self.assertOk(self.login(phone, "--kit", str(kit), "--totp", code))
        # The same code again (a replay by someone who saw it) is refused.
        replay = self.login(self.profile("thief"), "--kit", str(kit), "--totp", code)
        self.assertRefused(replay)
        self.assertIn("already used", replay.err)

        # Turning it off needs the password (after the replay's delay); then
        # logins need no code.
        time.sleep(4.2)
        self.assertOk(laptop.run("totp", "disable", "--password-stdin", stdin=PASSWORD))
        self.assertOk(self.login(self.profile("tablet"), "--kit", str(kit)))


if __name__ == "__main__":
    harness.main()
