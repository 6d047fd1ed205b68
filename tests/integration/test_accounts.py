# SPDX-License-Identifier: Apache-2.0
"""The account life cycle through the `vigil` commands of CLI.md, against a
real vigild on loopback (vigild/vigil issue, "Done when" first point)."""
import json
import os
import re
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "correct horse battery staple\n"
# vigild's first login delay after a failure (server/login_throttle.h), plus margin.
THROTTLE_FIRST_DELAY_S = 1.2


class AccountLifeCycleTest(harness.VigilTestCase):
    def create(self, profile, email="alice@example.com"):
        kit = profile.home / "kit.json"
        r = profile.run("account", "create", "--email", email, "--kit", str(kit), "--password-stdin",
                        stdin=PASSWORD)
        self.assertOk(r)
        return kit

    def test_create_writes_a_private_kit_and_logs_in(self):
        laptop = self.profile("laptop")
        kit = self.create(laptop)
        self.assertEqual(stat.S_IMODE(os.stat(kit).st_mode), 0o600)
        text = kit.read_text()
        self.assertIn("alice@example.com", text)
        self.assertNotIn("correct horse", text)
        r = laptop.run("sessions", "list", "--json")
        self.assertOk(r)
        self.assertEqual(len(r.json()), 1)

    def test_second_device_needs_the_kit_then_logs_in(self):
        kit = self.create(self.profile("laptop"))
        phone = self.profile("phone")
        self.assertRefused(phone.run("login", "--email", "alice@example.com", "--password-stdin",
                                     stdin=PASSWORD))
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                                "--password-stdin", stdin=PASSWORD))
        # Later logins on that device no longer need the kit.
        self.assertOk(phone.run("logout"))
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--password-stdin",
                                stdin=PASSWORD))

    def test_wrong_password_and_unknown_email_are_refused_alike(self):
        kit = self.create(self.profile("laptop"))
        # A kit for an email that has no account, so the request reaches the server.
        stranger_kit = self.root / "stranger-kit.json"
        stranger = json.loads(kit.read_text())
        stranger["email"] = "nobody@example.com"
        stranger_kit.write_text(json.dumps(stranger))
        phone = self.profile("phone")
        wrong = phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                          "--password-stdin", stdin="wrong password\n")
        time.sleep(THROTTLE_FIRST_DELAY_S)
        unknown = phone.run("login", "--email", "nobody@example.com", "--kit", str(stranger_kit),
                            "--password-stdin", stdin=PASSWORD)
        self.assertRefused(wrong)
        self.assertRefused(unknown)
        self.assertEqual(wrong.err, unknown.err)
        self.assertIn("wrong email or password", wrong.err)

    def test_repeated_failures_slow_down_but_never_lock_out(self):
        kit = self.create(self.profile("laptop"))
        phone = self.profile("phone")
        # Each failure doubles the wait; however slow this machine is, a few
        # wrong guesses in a row run into it.
        throttled = None
        for _ in range(8):
            r = phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                          "--password-stdin", stdin="a wrong guess\n")
            self.assertRefused(r)
            if "retry in" in r.err:
                throttled = r
                break
        self.assertIsNotNone(throttled, "repeated failures were never slowed down")
        wait_s = int(re.search(r"retry in (\d+) s", throttled.err).group(1))
        self.assertLessEqual(wait_s, 60)
        time.sleep(wait_s + 0.2)
        # No lockout: the owner gets in once the delay has passed.
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                                "--password-stdin", stdin=PASSWORD))

    def test_password_change_ends_every_other_session(self):
        laptop = self.profile("laptop")
        kit = self.create(laptop)
        phone = self.profile("phone")
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                                "--password-stdin", stdin=PASSWORD))
        self.assertOk(laptop.run("password", "change", "--password-stdin",
                                 stdin=PASSWORD + "a new and longer passphrase\n"))
        # The phone's session is gone: its next request is refused as unauthenticated.
        r = phone.run("sessions", "list")
        self.assertRefused(r)
        self.assertIn("log in", r.err)
        self.assertOk(laptop.run("sessions", "list"))
        self.assertRefused(phone.run("login", "--email", "alice@example.com", "--password-stdin",
                                     stdin=PASSWORD))
        time.sleep(THROTTLE_FIRST_DELAY_S)  # the failed attempt above costs one second
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--password-stdin",
                                stdin="a new and longer passphrase\n"))

    def test_sessions_revoke(self):
        laptop = self.profile("laptop")
        kit = self.create(laptop)
        phone = self.profile("phone")
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                                "--password-stdin", stdin=PASSWORD))
        sessions = laptop.run("sessions", "list", "--json").json()
        self.assertEqual(len(sessions), 2)
        other = [s for s in sessions if not s["current"]][0]
        self.assertOk(laptop.run("sessions", "revoke", other["id"]))
        self.assertRefused(phone.run("sessions", "list"))
        self.assertOk(phone.run("login", "--email", "alice@example.com", "--password-stdin",
                                stdin=PASSWORD))
        self.assertOk(laptop.run("sessions", "revoke", "--others"))
        self.assertRefused(phone.run("sessions", "list"))

    def test_account_delete_crypto_shreds_and_says_so(self):
        laptop = self.profile("laptop")
        kit = self.create(laptop)
        self.assertRefused(laptop.run("account", "delete", "--password-stdin", stdin="not it\n"))
        time.sleep(THROTTLE_FIRST_DELAY_S)
        r = laptop.run("account", "delete", "--password-stdin", stdin=PASSWORD)
        self.assertOk(r)
        self.assertIn("destroyed", r.out)
        phone = self.profile("phone")
        self.assertRefused(phone.run("login", "--email", "alice@example.com", "--kit", str(kit),
                                     "--password-stdin", stdin=PASSWORD))
        # The email is free again.
        self.create(self.profile("again"))

    def test_bad_usage_exits_2_with_one_line(self):
        laptop = self.profile("laptop")
        r = laptop.run("login")
        self.assertEqual(r.code, 2, repr(r))
        r = laptop.run("sessions", "list", "--bogus")
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("unknown flag --bogus", r.err)


if __name__ == "__main__":
    harness.main()
