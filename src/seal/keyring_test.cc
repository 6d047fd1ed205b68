// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/keyring.h"

#include <gtest/gtest.h>

namespace vigil::seal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;

constexpr std::string_view kAccount = "acct-0001";

KeyEncryptionKey Kek(KeyEncryptionKey::Kind kind = KeyEncryptionKey::Kind::kAccount) {
  return internal::KeyEncryptionKeyForTests(SecretBytes::Random(32), kind).value();
}

Keyring SampleKeyring() {
  Keyring k = Keyring::Generate();
  EXPECT_TRUE(k.AddHouseholdKey("home", 2, HouseholdPrivateKey::Generate()).has_value());
  EXPECT_TRUE(k.AddHouseholdKey("cabin", 1, HouseholdPrivateKey::Generate()).has_value());
  EXPECT_TRUE(k.AddHouseholdKey("home", 1, HouseholdPrivateKey::Generate()).has_value());
  return k;
}

void ExpectSame(const Keyring& a, const Keyring& b) {
  EXPECT_TRUE(a.account_signing_key().seed() == b.account_signing_key().seed());
  EXPECT_EQ(a.account_signing_key().verify_key(), b.account_signing_key().verify_key());
  ASSERT_EQ(a.household_keys().size(), b.household_keys().size());
  for (std::size_t i = 0; i < a.household_keys().size(); ++i) {
    EXPECT_EQ(a.household_keys()[i].household_id, b.household_keys()[i].household_id);
    EXPECT_EQ(a.household_keys()[i].epoch, b.household_keys()[i].epoch);
    EXPECT_TRUE(a.household_keys()[i].key.secret() == b.household_keys()[i].key.secret());
  }
}

void ExpectGenericFailure(const Result<Keyring>& r) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().message, "decryption failed");
}

TEST(KeyringTest, KeepsEntriesSortedAndFindsThem) {
  const Keyring k = SampleKeyring();
  ASSERT_EQ(k.household_keys().size(), 3u);
  EXPECT_EQ(k.household_keys()[0].household_id, "cabin");
  EXPECT_EQ(k.household_keys()[1].household_id, "home");
  EXPECT_EQ(k.household_keys()[1].epoch, 1u);
  EXPECT_EQ(k.household_keys()[2].epoch, 2u);
  EXPECT_EQ(k.FindHouseholdKey("home", 1), &k.household_keys()[1].key);
  EXPECT_EQ(k.FindHouseholdKey("home", 3), nullptr);
  EXPECT_EQ(k.LatestHouseholdKey("home"), &k.household_keys()[2]);
  EXPECT_EQ(k.LatestHouseholdKey("nowhere"), nullptr);
}

TEST(KeyringTest, RefusesDuplicatesAndBadIds) {
  Keyring k = SampleKeyring();
  EXPECT_EQ(k.AddHouseholdKey("home", 1, HouseholdPrivateKey::Generate()).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(k.AddHouseholdKey("", 1, HouseholdPrivateKey::Generate()).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      k.AddHouseholdKey(std::string(256, 'x'), 1, HouseholdPrivateKey::Generate()).error().code,
      ErrorCode::kInvalidArgument);
}

TEST(KeyringTest, SerializationIsCanonicalAndRoundTrips) {
  const Keyring k = SampleKeyring();
  const SecretBytes s = k.Serialize();
  auto parsed = Keyring::Parse(s);
  ASSERT_TRUE(parsed.has_value());
  ExpectSame(k, *parsed);
  EXPECT_TRUE(parsed->Serialize() == s);
  // Empty keyring: version, seed, count 0.
  EXPECT_EQ(Keyring::Generate().Serialize().size(), 1 + 32 + 2u);
}

TEST(KeyringTest, ParseRefusesNonCanonicalInput) {
  const auto access = InsecureSecretAccess::Get();
  const Keyring k = SampleKeyring();
  const SecretBytes s = k.Serialize();
  const auto bytes = s.Reveal(access);
  auto parse = [&](const Bytes& b) { return Keyring::Parse(SecretBytes(b, access)); };
  Bytes b(bytes.begin(), bytes.end());
  // Trailing byte, truncation, version, count.
  Bytes t = b;
  t.push_back(0);
  EXPECT_FALSE(parse(t).has_value());
  EXPECT_FALSE(parse(Bytes(b.begin(), b.end() - 1)).has_value());
  t = b;
  t[0] = 2;
  EXPECT_FALSE(parse(t).has_value());
  t = b;
  t[34] = 4;
  EXPECT_FALSE(parse(t).has_value());
  // Entries out of order: swap the first two entries ("cabin" 1, "home" 1).
  const std::size_t e0 = 35, len0 = 1 + 5 + 8 + 32, len1 = 1 + 4 + 8 + 32;
  Bytes swapped(b.begin(), b.begin() + e0);
  swapped.insert(swapped.end(), b.begin() + e0 + len0, b.begin() + e0 + len0 + len1);
  swapped.insert(swapped.end(), b.begin() + e0, b.begin() + e0 + len0);
  swapped.insert(swapped.end(), b.begin() + e0 + len0 + len1, b.end());
  ASSERT_EQ(swapped.size(), b.size());
  EXPECT_FALSE(parse(swapped).has_value());
  // A duplicated entry.
  Bytes dup(b.begin(), b.begin() + e0 + len0);
  dup[34] = 2;
  dup.insert(dup.end(), b.begin() + e0, b.begin() + e0 + len0);
  dup[33] = 0;
  EXPECT_FALSE(parse(dup).has_value());
  // Zero-length id.
  Bytes zero(b.begin(), b.begin() + 35);
  zero[34] = 1;
  zero.push_back(0);
  zero.resize(zero.size() + 8 + 32);
  EXPECT_FALSE(parse(zero).has_value());
  EXPECT_EQ(parse(t).error().code, ErrorCode::kDataLoss);
}

TEST(KeyringWrapTest, RoundTripsUnderBothKinds) {
  const Keyring k = SampleKeyring();
  for (auto kind : {KeyEncryptionKey::Kind::kAccount, KeyEncryptionKey::Kind::kRecovery}) {
    const KeyEncryptionKey kek = Kek(kind);
    auto wrapped = WrapKeyring(k, kek, kAccount);
    ASSERT_TRUE(wrapped.has_value());
    EXPECT_EQ(ToString(ByteSpan(*wrapped).first(4)), "VGKW");
    EXPECT_EQ((*wrapped)[4], 0x01);
    EXPECT_EQ((*wrapped)[5], static_cast<std::uint8_t>(kind));
    EXPECT_EQ(wrapped->size(), 50 + k.Serialize().size() + 16);
    auto opened = UnwrapKeyring(*wrapped, kek, kAccount);
    ASSERT_TRUE(opened.has_value());
    ExpectSame(k, *opened);
    // Fresh salt and nonce each time.
    EXPECT_NE(*wrapped, WrapKeyring(k, kek, kAccount).value());
  }
}

TEST(KeyringWrapTest, WrongKeyOrAccountFails) {
  const Keyring k = SampleKeyring();
  const KeyEncryptionKey kek = Kek();
  const Bytes wrapped = WrapKeyring(k, kek, kAccount).value();
  ExpectGenericFailure(UnwrapKeyring(wrapped, Kek(), kAccount));
  ExpectGenericFailure(UnwrapKeyring(wrapped, kek, "acct-0002"));
  ExpectGenericFailure(UnwrapKeyring(wrapped, kek, "acct-000"));
  // The same key bytes as the other kind: refused.
  const KeyEncryptionKey same_bytes_recovery =
      internal::KeyEncryptionKeyForTests(kek.secret().Clone(), KeyEncryptionKey::Kind::kRecovery)
          .value();
  ExpectGenericFailure(UnwrapKeyring(wrapped, same_bytes_recovery, kAccount));
  Bytes relabelled = wrapped;
  relabelled[5] = 0x02;
  ExpectGenericFailure(UnwrapKeyring(relabelled, same_bytes_recovery, kAccount));
  EXPECT_EQ(UnwrapKeyring(wrapped, kek, "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(WrapKeyring(k, kek, std::string(256, 'a')).error().code, ErrorCode::kInvalidArgument);
}

TEST(KeyringWrapTest, AnyFlippedBitOrLengthChangeFails) {
  const Keyring k = SampleKeyring();
  const KeyEncryptionKey kek = Kek();
  const Bytes wrapped = WrapKeyring(k, kek, kAccount).value();
  for (std::size_t i = 0; i < wrapped.size(); ++i) {
    Bytes bad = wrapped;
    bad[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    ExpectGenericFailure(UnwrapKeyring(bad, kek, kAccount));
  }
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{16}, wrapped.size() - 50}) {
    ExpectGenericFailure(
        UnwrapKeyring(ByteSpan(wrapped).first(wrapped.size() - cut - 1), kek, kAccount));
  }
  Bytes longer = wrapped;
  longer.push_back(0);
  ExpectGenericFailure(UnwrapKeyring(longer, kek, kAccount));
  ExpectGenericFailure(UnwrapKeyring({}, kek, kAccount));
}

TEST(KeyringWrapTest, PasswordAndRecoveryCopiesOpenTheSameKeyring) {
  const Keyring k = SampleKeyring();
  const AccountSecretKey ask = AccountSecretKey::Generate();
  const RecoveryCode code = RecoveryCode::Generate();
  const Bytes salt = NewAccountSalt();
  auto pw = SecretBytes(AsBytes("a long passphrase"), InsecureSecretAccess::Get());
  const auto keys =
      DeriveAccountKeys(pw, ask, salt, crypto::kMinimumArgon2idCost, "a@example.org").value();
  const auto recovery = DeriveRecoveryKey(code, salt, "a@example.org").value();
  const Bytes under_password = WrapKeyring(k, keys.kek, kAccount).value();
  const Bytes under_recovery = WrapKeyring(k, recovery, kAccount).value();
  ExpectSame(k, UnwrapKeyring(under_password, keys.kek, kAccount).value());
  ExpectSame(k, UnwrapKeyring(under_recovery, recovery, kAccount).value());
  ExpectGenericFailure(UnwrapKeyring(under_password, recovery, kAccount));
  ExpectGenericFailure(UnwrapKeyring(under_recovery, keys.kek, kAccount));
  // Wrong password, wrong ASK, wrong salt, wrong email: nothing opens.
  auto wrong = [&](std::string_view p, const AccountSecretKey& a, const Bytes& s,
                   std::string_view e) {
    auto other = DeriveAccountKeys(SecretBytes(AsBytes(p), InsecureSecretAccess::Get()), a, s,
                                   crypto::kMinimumArgon2idCost, e)
                     .value();
    ExpectGenericFailure(UnwrapKeyring(under_password, other.kek, kAccount));
  };
  wrong("a long passphrasE", ask, salt, "a@example.org");
  wrong("a long passphrase", AccountSecretKey::Generate(), salt, "a@example.org");
  wrong("a long passphrase", ask, NewAccountSalt(), "a@example.org");
  wrong("a long passphrase", ask, salt, "b@example.org");
}

}  // namespace
}  // namespace vigil::seal
