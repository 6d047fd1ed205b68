// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/key_chain.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::seal {
namespace {

KeyChainDevice NewDevice(const std::string& id) {
  return {id, DevicePrivateKey::Generate().public_key(),
          crypto::SigningKey::Generate().verify_key()};
}

// A three-version chain: v1 (laptop), v2 adds the phone, v3 adds the tablet.
class KeyChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KeyChainPayload v1{"acct-alice", 1, {}, account_.verify_key(), {NewDevice("dev-laptop")}};
    chain_.push_back(SignKeyChainVersion(v1, account_).value());
    for (const char* device : {"dev-phone", "dev-tablet"}) {
      auto verified = VerifyKeyChain("acct-alice", chain_, {}).value();
      chain_.push_back(
          SignKeyChainVersion(NextKeyChainPayload(verified, NewDevice(device)), account_).value());
    }
  }

  static void ExpectRefused(const Result<VerifiedKeyChain>& r, const std::string& why) {
    ASSERT_FALSE(r.has_value()) << why;
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
    EXPECT_EQ(r.error().message.rfind("key chain verification failed: ", 0), 0u)
        << r.error().message;
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
  }

  crypto::SigningKey account_ = crypto::SigningKey::Generate();
  std::vector<SignedKeyChainVersion> chain_;
};

TEST_F(KeyChainTest, AValidChainVerifiesAndListsEveryDevice) {
  auto verified = VerifyKeyChain("acct-alice", chain_, {});
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ(verified->head.version, 3u);
  ASSERT_EQ(verified->head.devices.size(), 3u);
  EXPECT_EQ(verified->head.account_key, account_.verify_key());
  EXPECT_EQ(verified->pin.version, 3u);
  EXPECT_EQ(verified->pin.hash, KeyChainVersionHash(chain_[2]));
  // Pinned at its own head or earlier, the same chain still verifies.
  EXPECT_TRUE(VerifyKeyChain("acct-alice", chain_, verified->pin).has_value());
  const KeyChainPin at_one{1, KeyChainVersionHash(chain_[0])};
  EXPECT_TRUE(VerifyKeyChain("acct-alice", chain_, at_one).has_value());
}

TEST_F(KeyChainTest, PayloadsRoundTripCanonically) {
  auto decoded = DecodeKeyChainPayload(chain_[2].payload).value();
  EXPECT_EQ(EncodeKeyChainPayload(decoded).value(), chain_[2].payload);
  // Devices come out sorted by id whatever order they went in.
  EXPECT_EQ(decoded.devices[0].device_id, "dev-laptop");
  EXPECT_EQ(decoded.devices[2].device_id, "dev-tablet");
  Bytes longer = chain_[0].payload;
  longer.push_back(0);
  EXPECT_EQ(DecodeKeyChainPayload(longer).error().message, "malformed key-chain version");
  EXPECT_FALSE(
      DecodeKeyChainPayload(ByteSpan(chain_[0].payload).first(chain_[0].payload.size() - 1)));
}

TEST_F(KeyChainTest, BadInputIsRefusedWhenEncoding) {
  KeyChainPayload p{"acct-alice", 1, {}, account_.verify_key(), {}};
  EXPECT_EQ(EncodeKeyChainPayload(p).error().code, ErrorCode::kInvalidArgument);  // no device
  p.devices = {NewDevice("dev-a"), NewDevice("dev-a")};
  EXPECT_EQ(EncodeKeyChainPayload(p).error().code, ErrorCode::kInvalidArgument);  // duplicate
  p.devices = {NewDevice(std::string(65, 'd'))};
  EXPECT_EQ(EncodeKeyChainPayload(p).error().code, ErrorCode::kInvalidArgument);
  p.devices = {NewDevice("dev-a")};
  p.version = 0;
  EXPECT_EQ(EncodeKeyChainPayload(p).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KeyChainTest, ATamperedPayloadFails) {
  for (std::size_t offset : {std::size_t{6}, std::size_t{30}, chain_[1].payload.size() - 1}) {
    auto tampered = chain_;
    tampered[1].payload[offset] ^= 0x01;
    auto r = VerifyKeyChain("acct-alice", tampered, {});
    ASSERT_FALSE(r.has_value()) << offset;
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  }
  // A device key swapped by the server: the signature no longer matches.
  auto swapped = chain_;
  auto payload = DecodeKeyChainPayload(swapped[2].payload).value();
  payload.devices[0] = NewDevice("dev-laptop");
  swapped[2].payload = EncodeKeyChainPayload(payload).value();
  ExpectRefused(VerifyKeyChain("acct-alice", swapped, {}), "version 3 has a bad signature");
}

TEST_F(KeyChainTest, ATamperedSignatureFails) {
  auto tampered = chain_;
  tampered[0].signature[10] ^= 0x80;
  ExpectRefused(VerifyKeyChain("acct-alice", tampered, {}), "version 1 has a bad signature");
}

TEST_F(KeyChainTest, AGapFails) {
  std::vector<SignedKeyChainVersion> gap = {chain_[0], chain_[2]};
  ExpectRefused(VerifyKeyChain("acct-alice", gap, {}), "version 2 is out of order or missing");
  std::vector<SignedKeyChainVersion> headless = {chain_[1], chain_[2]};
  ExpectRefused(VerifyKeyChain("acct-alice", headless, {}), "version 1 is out of order");
  ExpectRefused(VerifyKeyChain("acct-alice", {}, {}), "the chain is empty");
}

TEST_F(KeyChainTest, AReorderFails) {
  std::vector<SignedKeyChainVersion> reordered = {chain_[0], chain_[2], chain_[1]};
  ExpectRefused(VerifyKeyChain("acct-alice", reordered, {}), "version 2 is out of order");
}

TEST_F(KeyChainTest, ARollbackBelowThePinFails) {
  const KeyChainPin pin = VerifyKeyChain("acct-alice", chain_, {}).value().pin;
  std::vector<SignedKeyChainVersion> shorter = {chain_[0], chain_[1]};
  ExpectRefused(VerifyKeyChain("acct-alice", shorter, pin), "rolled the chain back");
  // A fork: a different, validly signed version 3 than the one pinned.
  auto fork = shorter;
  auto verified = VerifyKeyChain("acct-alice", shorter, {}).value();
  fork.push_back(
      SignKeyChainVersion(NextKeyChainPayload(verified, NewDevice("dev-evil")), account_).value());
  ExpectRefused(VerifyKeyChain("acct-alice", fork, pin), "differs from the one this device");
}

TEST_F(KeyChainTest, AWrongSignerFails) {
  // Version 2 signed by a key that is not version 1's account key (for
  // example a server inventing a version with its own key).
  const crypto::SigningKey server_key = crypto::SigningKey::Generate();
  auto verified = VerifyKeyChain("acct-alice", std::span(chain_).first(1), {}).value();
  auto forged = chain_;
  forged.resize(1);
  forged.push_back(
      SignKeyChainVersion(NextKeyChainPayload(verified, NewDevice("dev-evil")), server_key)
          .value());
  ExpectRefused(VerifyKeyChain("acct-alice", forged, {}), "version 2 has a bad signature");
  // A version 1 that claims Alice's key but is signed by another one.
  KeyChainPayload v1{"acct-alice", 1, {}, account_.verify_key(), {NewDevice("dev-x")}};
  std::vector<SignedKeyChainVersion> other = {SignKeyChainVersion(v1, server_key).value()};
  ExpectRefused(VerifyKeyChain("acct-alice", other, {}), "version 1 has a bad signature");
}

TEST_F(KeyChainTest, AnotherAccountsChainFails) {
  ExpectRefused(VerifyKeyChain("acct-bob", chain_, {}), "belongs to another account");
}

TEST_F(KeyChainTest, ABrokenLinkFails) {
  // Version 2 re-signed correctly but naming the wrong previous hash.
  auto payload = DecodeKeyChainPayload(chain_[1].payload).value();
  payload.previous_hash[0] ^= 1;
  auto broken = chain_;
  broken[1] = SignKeyChainVersion(payload, account_).value();
  ExpectRefused(VerifyKeyChain("acct-alice", broken, {}),
                "version 2 does not follow the version before it");
}

}  // namespace
}  // namespace vigil::seal
