// SPDX-License-Identifier: Apache-2.0
// "Offline guessing" (docs/design/002-vigild.md §Keys and what the server
// stores): a thief with the whole server database — account salt, Argon2id
// cost, wrapped keyring, the verifier HMAC-SHA256(server_secret, auth_key),
// and even server_secret — runs a dictionary attack on a weak password. Without
// the Account Secret Key nothing opens; with it (to prove the attack code
// works) the weak password falls at once.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "vigil/crypto/hash.h"
#include "vigil/seal/account_keys.h"
#include "vigil/seal/keyring.h"

namespace vigil::seal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;

constexpr std::string_view kEmail = "victim@example.org";
constexpr std::string_view kAccountId = "acct-victim";
constexpr std::string_view kWeakPassword = "sunshine1";
constexpr crypto::Argon2idCost kCost = crypto::kMinimumArgon2idCost;

// What the server's database holds for the account.
struct StolenRow {
  Bytes salt;
  crypto::Argon2idCost cost;
  Bytes wrapped_keyring;
  crypto::Sha256Digest verifier;
  SecretBytes server_secret;  // assume the thief has the server key file too
};

std::vector<std::string> Dictionary() {
  std::vector<std::string> words = {"123456", "password", "qwerty",   "letmein", "dragon",
                                    "monkey", "football", "iloveyou", "admin",   "welcome"};
  for (int i = 0; words.size() < 199; ++i) words.push_back("guess-" + std::to_string(i));
  words.insert(words.begin() + 137, std::string(kWeakPassword));  // the real one, somewhere
  return words;
}

struct AttackResult {
  int verifier_matches = 0;
  int keyrings_opened = 0;
};

// The expensive, per-guess part: Argon2id of every dictionary word under the
// stolen salt and cost (computed once, shared by both attacks below).
std::vector<SecretBytes> PasswordKeys(const StolenRow& row) {
  std::vector<SecretBytes> out;
  for (const std::string& word : Dictionary()) {
    const SecretBytes password(AsBytes(word), InsecureSecretAccess::Get());
    auto pw_key = crypto::Argon2id(password, row.salt, row.cost, 32);
    EXPECT_TRUE(pw_key.has_value());
    out.push_back(std::move(*pw_key));
  }
  return out;
}

// The attack: for each guessed pw_key, both derived keys with the attacker's
// ASK guess, tested against the verifier and the wrapped keyring.
AttackResult Attack(const StolenRow& row, const std::vector<SecretBytes>& pw_keys,
                    const AccountSecretKey& ask_guess) {
  AttackResult result;
  for (const SecretBytes& pw_key : pw_keys) {
    auto keys = internal::DeriveAccountKeysFromPasswordKey(pw_key, ask_guess, row.salt, kEmail);
    EXPECT_TRUE(keys.has_value());
    const SecretBytes proof(keys->auth_key.ProofBytes(), InsecureSecretAccess::Get());
    if (crypto::HmacSha256(row.server_secret, proof.Reveal(InsecureSecretAccess::Get())) ==
        row.verifier) {
      ++result.verifier_matches;
    }
    if (UnwrapKeyring(row.wrapped_keyring, keys->kek, kAccountId).has_value()) {
      ++result.keyrings_opened;
    }
  }
  return result;
}

TEST(OfflineGuessingTest, DictionaryAttackWithoutTheAskOpensNothing) {
  // Account creation on the client.
  const AccountSecretKey ask = AccountSecretKey::Generate();
  Keyring keyring = Keyring::Generate();
  ASSERT_TRUE(keyring.AddHouseholdKey("home", 1, HouseholdPrivateKey::Generate()).has_value());
  StolenRow row{NewAccountSalt(), kCost, {}, {}, SecretBytes::Random(32)};
  {
    const SecretBytes password(AsBytes(kWeakPassword), InsecureSecretAccess::Get());
    auto keys = DeriveAccountKeys(password, ask, row.salt, row.cost, kEmail);
    ASSERT_TRUE(keys.has_value());
    row.wrapped_keyring = WrapKeyring(keyring, keys->kek, kAccountId).value();
    row.verifier = crypto::HmacSha256(row.server_secret, keys->auth_key.ProofBytes());
  }
  ASSERT_EQ(Dictionary().size(), 200u);

  // The thief's ASK is a random guess: nothing matches, nothing opens.
  const std::vector<SecretBytes> pw_keys = PasswordKeys(row);
  const AttackResult blind = Attack(row, pw_keys, AccountSecretKey::Generate());
  EXPECT_EQ(blind.verifier_matches, 0);
  EXPECT_EQ(blind.keyrings_opened, 0);

  // Control: the same attack holding the real ASK finds the weak password, so
  // the zero above is the ASK's doing, not a broken attack.
  const AttackResult with_ask = Attack(row, pw_keys, ask);
  EXPECT_EQ(with_ask.verifier_matches, 1);
  EXPECT_EQ(with_ask.keyrings_opened, 1);
}

}  // namespace
}  // namespace vigil::seal
