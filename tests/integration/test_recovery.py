# SPDX-License-Identifier: Apache-2.0
"""Account recovery with the recovery kit (vigild/vigil issue, point 3: "a
recovery code also unwraps the keyring"), through `vigil account recover`
against a real vigild over TLS: the owner has forgotten the password."""
import json
import os
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

EMAIL = "alice@example.com"
PASSWORD = "correct horse battery staple\n"
NEW_PASSWORD = "a brand new passphrase after recovery\n"
# vigild's login delays after one and two failures (server/login_throttle.h: per
# email and per source address, so every test's failures from 127.0.0.1 add
# up), plus margin.
THROTTLE_FIRST_DELAY_S = 1.2
THROTTLE_SECOND_DELAY_S = 2.2


class RecoveryTest(harness.VigilTestCase):
    def create(self, profile):
        kit = self.root / "kit.json"
        self.assertOk(profile.run("account", "create", "--email", EMAIL, "--kit", str(kit),
                                  "--password-stdin", stdin=PASSWORD))
        return kit

    def recover(self, profile, kit, new_kit, password=NEW_PASSWORD, email=EMAIL):
        return profile.run("account", "recover", "--email", email, "--kit", str(kit),
                           "--new-kit", str(new_kit), "--password-stdin", stdin=password)

    def test_the_kit_recovers_a_forgotten_password(self):
        laptop = self.profile("laptop")
        kit = self.create(laptop)
        phone = self.profile("phone")
        self.assertOk(phone.run("login", "--email", EMAIL, "--kit", str(kit), "--password-stdin",
                                stdin=PASSWORD))
        # A new device, the password forgotten: only the kit is left.
        tablet = self.profile("tablet")
        new_kit = self.root / "new-kit.json"
        r = self.recover(tablet, kit, new_kit)
        self.assertOk(r)
        self.assertIn("recovered", r.out)
        self.assertIn("2 session(s) ended", r.out)

        # The new kit: private, same ASK, a new recovery code.
        self.assertEqual(stat.S_IMODE(os.stat(new_kit).st_mode), 0o600)
        old, new = json.loads(kit.read_text()), json.loads(new_kit.read_text())
        self.assertEqual(new["account_secret_key"], old["account_secret_key"])
        self.assertEqual(new["account_id"], old["account_id"])
        self.assertNotEqual(new["recovery_code"], old["recovery_code"])
        self.assertNotIn("brand new passphrase", new_kit.read_text())

        # The recovering device is logged in; every other session got 401.
        self.assertOk(tablet.run("sessions", "list"))
        for other in (laptop, phone):
            r = other.run("sessions", "list")
            self.assertRefused(r)
            self.assertIn("log in", r.err)

        # The old password fails, the new one logs in (which opens the
        # keyring: `vigil login` refuses a keyring it cannot unwrap).
        fresh = self.profile("fresh")
        self.assertRefused(fresh.run("login", "--email", EMAIL, "--kit", str(new_kit),
                                     "--password-stdin", stdin=PASSWORD))
        time.sleep(THROTTLE_FIRST_DELAY_S)
        self.assertOk(fresh.run("login", "--email", EMAIL, "--kit", str(new_kit),
                                "--password-stdin", stdin=NEW_PASSWORD))
        # The laptop keeps its ASK: the new password alone logs it back in.
        self.assertOk(laptop.run("login", "--email", EMAIL, "--password-stdin",
                                 stdin=NEW_PASSWORD))

        # The old recovery code is dead.
        r = self.recover(self.profile("thief"), kit, self.root / "thief-kit.json",
                         password="the thief's password\n")
        self.assertRefused(r)
        self.assertIn("wrong email or recovery code", r.err)
        self.assertFalse((self.root / "thief-kit.json").exists())

        # The account still works end to end: the keyring opens under the new
        # password (a password change unwraps and re-wraps it) ...
        time.sleep(THROTTLE_SECOND_DELAY_S)
        self.assertOk(fresh.run("password", "change", "--password-stdin",
                                stdin=NEW_PASSWORD + "third passphrase\n"))
        # ... and the new kit's recovery copy opens too, after that change.
        third_kit = self.root / "third-kit.json"
        self.assertOk(self.recover(self.profile("again"), new_kit, third_kit,
                                   password="fourth passphrase\n"))
        self.assertOk(self.profile("last").run("login", "--email", EMAIL, "--kit", str(third_kit),
                                               "--password-stdin", stdin="fourth passphrase\n"))

    def test_a_wrong_recovery_code_is_refused_like_an_unknown_email(self):
        kit = self.create(self.profile("laptop"))
        wrong_kit = self.root / "wrong-kit.json"
        other = self.root / "other-kit.json"
        # A second account only to obtain a well-formed recovery code that is not Alice's.
        self.assertOk(self.profile("bob").run("account", "create", "--email", "bob@example.com",
                                              "--kit", str(other), "--password-stdin",
                                              stdin=PASSWORD))
        forged = json.loads(kit.read_text())
        forged["recovery_code"] = json.loads(other.read_text())["recovery_code"]
        wrong_kit.write_text(json.dumps(forged))
        stranger_kit = self.root / "stranger-kit.json"
        stranger = dict(forged, email="nobody@example.com")
        del stranger["account_id"]
        stranger_kit.write_text(json.dumps(stranger))

        phone = self.profile("phone")
        wrong = self.recover(phone, wrong_kit, self.root / "n1.json")
        time.sleep(THROTTLE_FIRST_DELAY_S)
        unknown = self.recover(phone, stranger_kit, self.root / "n2.json",
                               email="nobody@example.com")
        self.assertRefused(wrong)
        self.assertRefused(unknown)
        self.assertEqual(wrong.err, unknown.err)
        self.assertIn("wrong email or recovery code", wrong.err)
        # Nothing changed: no kit was left behind, the password still works.
        self.assertFalse((self.root / "n1.json").exists())
        time.sleep(THROTTLE_SECOND_DELAY_S)
        self.assertOk(phone.run("login", "--email", EMAIL, "--kit", str(kit), "--password-stdin",
                                stdin=PASSWORD))

    def test_recovery_stands_in_for_the_second_factor(self):
        import test_totp  # noqa: E402 (same folder)
        laptop = self.profile("laptop")
        kit = self.create(laptop)
        test_totp.TotpTest.enable_totp(self, laptop)
        # Phone and authenticator lost, password forgotten: the kit alone recovers.
        tablet = self.profile("tablet")
        new_kit = self.root / "new-kit.json"
        self.assertOk(self.recover(tablet, kit, new_kit))
        self.assertOk(tablet.run("sessions", "list"))
        # TOTP stays on: a login elsewhere still needs a code.
        r = self.profile("other").run("login", "--email", EMAIL, "--kit", str(new_kit),
                                      "--password-stdin", stdin=NEW_PASSWORD)
        self.assertRefused(r)
        self.assertIn("one-time code required", r.err)
        # The recovered device turns it off with the new password.
        time.sleep(THROTTLE_FIRST_DELAY_S)  # the refused login above costs one second
        self.assertOk(tablet.run("totp", "disable", "--password-stdin", stdin=NEW_PASSWORD))
        self.assertOk(self.profile("other").run("login", "--email", EMAIL, "--kit", str(new_kit),
                                                "--password-stdin", stdin=NEW_PASSWORD))

    def test_bad_usage_and_an_existing_new_kit_change_nothing(self):
        laptop = self.profile("laptop")
        kit = self.create(laptop)
        r = laptop.run("account", "recover", "--email", EMAIL, "--kit", str(kit))
        self.assertEqual(r.code, 2, repr(r))
        r = self.recover(laptop, kit, kit)
        self.assertEqual(r.code, 2, repr(r))
        existing = self.root / "existing.json"
        existing.write_text("keep me")
        r = self.recover(laptop, kit, existing)
        self.assertRefused(r)
        self.assertIn("exists", r.err)
        self.assertEqual(existing.read_text(), "keep me")
        garbage = self.root / "garbage.json"
        garbage.write_text("not json")
        r = self.recover(laptop, garbage, self.root / "n.json")
        self.assertRefused(r)
        self.assertIn("not a Vigil recovery kit", r.err)
        self.assertOk(laptop.run("sessions", "list"))


if __name__ == "__main__":
    harness.main()
