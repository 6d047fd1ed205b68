// SPDX-License-Identifier: Apache-2.0
// Fuzzes the streaming-AEAD decoders with untrusted stream bytes (what a
// client downloads from a server it does not trust), and checks the
// encrypt→decrypt round trip on arbitrary plaintext.
//
// The key and associated data are those of tests/vectors/streaming-aead.json,
// so the seed corpus made from those vectors decrypts and mutations explore
// every failure path.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vigil/core/bytes.h"
#include "vigil/core/check.h"
#include "vigil/crypto/secret.h"
#include "vigil/seal/streaming_aead.h"

namespace {

using vigil::Bytes;
using vigil::ByteSpan;
using vigil::seal::ClipKey;
using vigil::seal::ClipPart;

const ClipKey& Key() {
  static const ClipKey kKey = [] {
    Bytes raw = vigil::HexDecode("ffa5e16d0bfbc4fb87fdab402552ae3986b3c7ae10fb917ae217f2ede1e44496")
                    .value();
    return ClipKey::FromSecret(
               vigil::crypto::SecretBytes(raw, vigil::crypto::InsecureSecretAccess::Get()))
        .value();
  }();
  return kKey;
}

constexpr std::string_view kAssociatedData = "clip-0001|camera-front-door";

vigil::seal::StreamSink Collect(Bytes& out) {
  return [&out](ByteSpan b) {
    vigil::Append(out, b);
    return vigil::OkStatus();
  };
}

void FuzzDecoders(ByteSpan data, std::size_t chunk) {
  Bytes streamed;
  auto dec = vigil::seal::StreamDecryptor::Create(
      Key(), ClipPart::kVideo, vigil::AsBytes(kAssociatedData), Collect(streamed));
  VIGIL_CHECK(dec.has_value());
  bool ok = true;
  for (std::size_t pos = 0; ok && pos < data.size(); pos += chunk) {
    ok = (*dec)->Write(data.subspan(pos, std::min(chunk, data.size() - pos))).has_value();
  }
  ok = ok && (*dec)->Finish().has_value();

  if (data.size() < vigil::seal::kStreamHeaderBytes) return;
  auto seekable = vigil::seal::SeekableStreamDecryptor::Create(
      Key(), ClipPart::kVideo, vigil::AsBytes(kAssociatedData),
      data.first(vigil::seal::kStreamHeaderBytes), data.size());
  if (!seekable) {
    VIGIL_CHECK(!ok) << "seekable rejected what streaming accepted";
    return;
  }
  Bytes random_access;
  bool all_segments = true;
  for (std::uint64_t i = 0; i < (*seekable)->segment_count() && i < 64; ++i) {
    auto seg = (*seekable)->DecryptSegment(
        i, data.subspan((*seekable)->SegmentOffset(i), (*seekable)->SegmentSize(i)));
    if (!seg) {
      all_segments = false;
      break;
    }
    vigil::Append(random_access, *seg);
  }
  // Both decoders must agree on what is a valid stream, and on its plaintext.
  if (ok && (*seekable)->segment_count() <= 64) {
    VIGIL_CHECK(all_segments) << "streaming accepted what seekable rejected";
    VIGIL_CHECK(random_access == streamed) << "decoders disagree";
  }
}

void FuzzRoundTrip(ByteSpan plaintext, std::uint32_t segment_bytes) {
  Bytes ct;
  auto enc = vigil::seal::StreamEncryptor::Create(Key(), ClipPart::kMetadata, {}, Collect(ct),
                                                  segment_bytes);
  VIGIL_CHECK(enc.has_value());
  VIGIL_CHECK((*enc)->Write(plaintext).has_value());
  VIGIL_CHECK((*enc)->Finish().has_value());
  Bytes pt;
  auto dec = vigil::seal::StreamDecryptor::Create(Key(), ClipPart::kMetadata, {}, Collect(pt));
  VIGIL_CHECK((*dec)->Write(ct).has_value());
  VIGIL_CHECK((*dec)->Finish().has_value());
  VIGIL_CHECK(pt == Bytes(plaintext.begin(), plaintext.end())) << "round trip changed the data";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteSpan input(data, size);
  // The first byte picks how the input is cut into writes, so chunking bugs
  // show up too.
  const std::size_t chunk = 1 + (input[0] % 7 == 0 ? size : input[0]);
  FuzzDecoders(input.subspan(1), chunk);
  FuzzRoundTrip(input.subspan(1), vigil::seal::kMinSegmentBytes + input[0]);
  return 0;
}
