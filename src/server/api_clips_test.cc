// SPDX-License-Identifier: Apache-2.0
// Clip storage through the API: resumable idempotent upload, the event list,
// ranged download, deletion, quota and retention (002 §Clips).

#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "api_test_fixture.h"

#include "vigil/crypto/hash.h"
#include "vigil/server/api.h"
#include "vigil/store/sqlite_metadata_store.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using wire::Json;

class ApiClipsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    // The owner's account and session, made in the store (accounts have their own tests).
    store::AccountRecord account;
    account.account_id = "acct_owner000";
    account.email = "owner@example.com";
    account.account_salt = Bytes(16, 1);
    account.argon2_time_cost = 3;
    account.argon2_memory_kib = 65536;
    account.auth_verifier = Bytes(32, 2);
    account.wrapped_keyring = Bytes(80, 2);
    account.recovery_wrapped_keyring = Bytes(80, 3);
    account.created_unix_s = clock_.NowUnixSeconds();
    ASSERT_TRUE(metadata_->CreateAccount(account, {clock_.NowUnixSeconds(), "acct_owner000", ""}));
    const auto session_hash = crypto::Sha256(AsBytes(owner_));
    ASSERT_TRUE(metadata_->CreateSession(
        {Bytes(session_hash.begin(), session_hash.end()), "acct_owner000", "dev_owner000",
         clock_.NowUnixSeconds(), clock_.NowUnixSeconds(), "127.0.0.1"},
        {clock_.NowUnixSeconds(), "acct_owner000", ""}));
    const store::Audit audit{clock_.NowUnixSeconds(), "acct_owner000", ""};
    ASSERT_TRUE(metadata_->CreateHousehold(
        {"hh_home00000", "acct_owner000", 1, std::nullopt, clock_.NowUnixSeconds()}, audit));
    const auto cred = crypto::Sha256(AsBytes(camera_));
    ASSERT_TRUE(metadata_->CreateCamera(
        {"cam_door0000", "hh_home00000", "sealed-name", Bytes(32, 7),
         Bytes(cred.begin(), cred.end()), std::nullopt, clock_.NowUnixSeconds()},
        audit));
  }

  net::HttpResponse Call(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body = "",
                         const std::string& range_header = "", const std::string& range = "") {
    net::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    if (!token.empty()) request.headers.Set("Authorization", "Bearer " + token);
    if (!range_header.empty()) request.headers.Set(range_header, range);
    return api_->Handle(request, net::PeerInfo{"127.0.0.1", 40000, true});
  }

  static Json Body(const net::HttpResponse& r) { return wire::ParseObject(r.body).value(); }

  net::HttpResponse Declare(const std::string& clip_id, const std::string& content,
                            const std::string& start = "2026-11-30T10:01:00Z") {
    const auto digest = crypto::Sha256(AsBytes(content));
    const Json body = {{"clip_id", clip_id},
                       {"start", start},
                       {"duration_s", 12},
                       {"size_bytes", content.size()},
                       {"sha256", wire::BytesField(Bytes(digest.begin(), digest.end()))},
                       {"sequence", 7},
                       {"envelope", wire::BytesField(Bytes(124, 9))}};
    return Call("POST", "/v1/clips", camera_, wire::Dump(body));
  }

  net::HttpResponse Put(const std::string& clip_id, const std::string& content, std::size_t from,
                        std::size_t length) {
    return Call("PUT", "/v1/clips/" + clip_id + "/data", camera_, content.substr(from, length),
                "Content-Range",
                "bytes " + std::to_string(from) + "-" + std::to_string(from + length - 1) + "/" +
                    std::to_string(content.size()));
  }

  // Declares and uploads `content` in one chunk.
  void Store(const std::string& clip_id, const std::string& content) {
    ASSERT_EQ(Declare(clip_id, content).status, 200u);
    const auto r = Put(clip_id, content, 0, content.size());
    ASSERT_EQ(r.status, 200u) << r.body;
    ASSERT_TRUE(Body(r)["committed"].get<bool>());
  }

  std::string owner_ = "owner-session-token-for-tests";
  std::string camera_ = "camera-credential-of-the-door";
};

TEST_F(ApiClipsTest, AnUploadResumesWhereTheServerSaysAndCommitsOnTheLastByte) {
  std::string content(300000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + 3);
  auto d = Declare("clip_aaaaaaaa", content);
  ASSERT_EQ(d.status, 200u) << d.body;
  EXPECT_EQ(Body(d)["offset"], 0);
  EXPECT_FALSE(Body(d)["committed"].get<bool>());
  ASSERT_EQ(Put("clip_aaaaaaaa", content, 0, 100000).status, 200u);
  // The camera lost the reply: declaring again says where to resume.
  d = Declare("clip_aaaaaaaa", content);
  EXPECT_EQ(Body(d)["offset"], 100000);
  // A chunk at the wrong offset is refused and names the right one.
  auto wrong = Put("clip_aaaaaaaa", content, 150000, 1000);
  EXPECT_EQ(wrong.status, 412u);
  EXPECT_NE(wrong.body.find("offset 100000"), std::string::npos) << wrong.body;
  // Not visible to the owner before it is complete.
  EXPECT_EQ(Body(Call("GET", "/v1/events", owner_))["events"].size(), 0u);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_aaaaaaaa", owner_).status, 404u);
  auto last = Put("clip_aaaaaaaa", content, 100000, 200000);
  ASSERT_EQ(last.status, 200u) << last.body;
  EXPECT_TRUE(Body(last)["committed"].get<bool>());
  // Idempotent after the commit: a retried chunk or declaration succeeds.
  EXPECT_TRUE(Body(Put("clip_aaaaaaaa", content, 100000, 200000))["committed"].get<bool>());
  EXPECT_TRUE(Body(Declare("clip_aaaaaaaa", content))["committed"].get<bool>());
  // The whole clip and a range come back byte for byte.
  auto whole = Call("GET", "/v1/clips/clip_aaaaaaaa/data", owner_);
  EXPECT_EQ(whole.status, 200u);
  EXPECT_EQ(whole.body, content);
  auto part = Call("GET", "/v1/clips/clip_aaaaaaaa/data", owner_, "", "Range", "bytes=1000-1999");
  EXPECT_EQ(part.status, 206u);
  EXPECT_EQ(part.body, content.substr(1000, 1000));
  EXPECT_EQ(part.headers.Get("Content-Range").value(), "bytes 1000-1999/300000");
  auto tail = Call("GET", "/v1/clips/clip_aaaaaaaa/data", owner_, "", "Range", "bytes=-10");
  EXPECT_EQ(tail.body, content.substr(content.size() - 10));
  EXPECT_EQ(
      Call("GET", "/v1/clips/clip_aaaaaaaa/data", owner_, "", "Range", "bytes=300000-").status,
      416u);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_aaaaaaaa/data", owner_, "", "Range", "pages=1-2").status,
            400u);
}

TEST_F(ApiClipsTest, ADeclarationAfterEveryByteArrivedFinishesTheCommit) {
  // vigild died after the last chunk was durable but before the commit: the
  // camera's next declaration finds every byte there and completes it.
  const std::string content = "all of it arrived";
  ASSERT_EQ(Declare("clip_kkkkkkkk", content).status, 200u);
  ASSERT_TRUE(blobs_->Append("clip_kkkkkkkk", 0, AsBytes(content)));
  auto d = Declare("clip_kkkkkkkk", content);
  ASSERT_EQ(d.status, 200u) << d.body;
  EXPECT_TRUE(Body(d)["committed"].get<bool>());
  EXPECT_EQ(Call("GET", "/v1/clips/clip_kkkkkkkk/data", owner_).body, content);
}

TEST_F(ApiClipsTest, TheEventListShowsOnlyWhatTheBriefAllows) {
  Store("clip_bbbbbbbb", "ciphertext");
  auto events = Body(Call("GET", "/v1/events", owner_))["events"];
  ASSERT_EQ(events.size(), 1u);
  const Json& e = events[0];
  std::set<std::string> keys;
  for (const auto& [key, value] : e.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"id", "camera_id", "start", "duration_s", "size_bytes",
                                         "sequence", "received"}));
  EXPECT_EQ(e["start"], "2026-11-30T10:01:00Z");
  EXPECT_EQ(e["duration_s"], 12);
  EXPECT_EQ(e["size_bytes"], 10);
  // Filters.
  EXPECT_EQ(Body(Call("GET", "/v1/events?camera=cam_door0000", owner_))["events"].size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/events?camera=cam_nothere0", owner_).status, 404u);
  EXPECT_EQ(Body(Call("GET", "/v1/events?since=2099-01-01T00%3A00%3A00Z", owner_))["events"].size(),
            0u);
  EXPECT_EQ(Call("GET", "/v1/events?since=yesterday", owner_).status, 400u);
  EXPECT_EQ(Call("GET", "/v1/events?limit=0", owner_).status, 400u);
  // A start with seconds would tell the server more than the minute.
  EXPECT_EQ(Declare("clip_cccccccc", "x", "2026-11-30T10:01:07Z").status, 400u);
}

TEST_F(ApiClipsTest, BytesThatDoNotMatchTheDeclarationAreDiscardedNotStored) {
  const std::string content = "the real ciphertext";
  ASSERT_EQ(Declare("clip_dddddddd", content).status, 200u);
  std::string forged = content;
  forged[3] ^= 1;
  auto r = Put("clip_dddddddd", forged, 0, forged.size());
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(Body(Declare("clip_dddddddd", content))["offset"], 0);
  // Wrong lengths and ranges are refused before anything is written.
  EXPECT_EQ(
      Call("PUT", "/v1/clips/clip_dddddddd/data", camera_, "abc", "Content-Range", "bytes 0-9/19")
          .status,
      400u);
  EXPECT_EQ(Call("PUT", "/v1/clips/clip_dddddddd/data", camera_, "abc").status, 400u);
  EXPECT_EQ(
      Call("PUT", "/v1/clips/clip_dddddddd/data", camera_, "abc", "Content-Range", "bytes 0-2/99")
          .status,
      400u);
  // The honest upload still works.
  ASSERT_EQ(Put("clip_dddddddd", content, 0, content.size()).status, 200u);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_dddddddd/data", owner_).body, content);
  // Reusing the id for other content is refused; the stored clip is intact.
  EXPECT_EQ(Declare("clip_dddddddd", "other").status, 409u);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_dddddddd/data", owner_).body, content);
}

TEST_F(ApiClipsTest, DeleteRemovesRowAndBlob) {
  Store("clip_eeeeeeee", "bytes to delete");
  ASSERT_EQ(Call("DELETE", "/v1/clips/clip_eeeeeeee", owner_).status, 200u);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_eeeeeeee", owner_).status, 404u);
  EXPECT_EQ(Call("DELETE", "/v1/clips/clip_eeeeeeee", owner_).status, 404u);
  EXPECT_EQ(blobs_->CommittedSize("clip_eeeeeeee").error().code, ErrorCode::kNotFound);
}

TEST_F(ApiClipsTest, TheQuotaRefusesAnUploadWithAClearError) {
  const store::Audit audit{clock_.NowUnixSeconds(), "acct_owner000", ""};
  ASSERT_TRUE(metadata_->SetHouseholdQuota("hh_home00000", 25, audit));
  Store("clip_ffffffff", std::string(20, 'a'));
  auto r = Declare("clip_gggggggg", std::string(10, 'b'));
  EXPECT_EQ(r.status, 507u) << r.body;
  EXPECT_EQ(Body(r)["error"]["code"], "resource_exhausted");
  EXPECT_NE(r.body.find("quota"), std::string::npos);
  // Stored data is untouched.
  EXPECT_EQ(Call("GET", "/v1/clips/clip_ffffffff/data", owner_).body, std::string(20, 'a'));
}

TEST_F(ApiClipsTest, RetentionCountsFromReceiptAndTheSweepDeletesRowAndBlob) {
  const store::Audit audit{clock_.NowUnixSeconds(), "acct_owner000", ""};
  ASSERT_TRUE(metadata_->SetCameraRetention("cam_door0000", 1, audit));
  Store("clip_hhhhhhhh", "old");
  clock_.AdvanceMillis(std::int64_t{12} * 3600 * 1000);
  Store("clip_iiiiiiii", "new");
  clock_.AdvanceMillis(std::int64_t{12} * 3600 * 1000 - 1000);
  EXPECT_EQ(api_->Sweep().value().expired_clips, 0);  // 1 s short of a day
  clock_.AdvanceMillis(1000);
  EXPECT_EQ(api_->Sweep().value().expired_clips, 1);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_hhhhhhhh", owner_).status, 404u);
  EXPECT_EQ(blobs_->CommittedSize("clip_hhhhhhhh").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_iiiiiiii/data", owner_).body, "new");
}

TEST_F(ApiClipsTest, AbandonedUploadsAreSweptAfterAWeek) {
  ASSERT_EQ(Declare("clip_jjjjjjjj", "never finished").status, 200u);
  ASSERT_EQ(Put("clip_jjjjjjjj", "never finished", 0, 5).status, 200u);
  clock_.AdvanceMillis(std::int64_t{7} * 24 * 3600 * 1000 + 1000);
  EXPECT_EQ(api_->Sweep().value().stale_uploads, 1);
  EXPECT_EQ(blobs_->UploadOffset("clip_jjjjjjjj").value(), 0u);
}

}  // namespace
}  // namespace vigil::server
