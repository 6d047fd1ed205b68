// SPDX-License-Identifier: Apache-2.0
// vigil-demo: an end-to-end walk through Vigil's cryptographic core, as the
// camera, the server and the owner each see it. It stands in for `make demo`
// until the agent and the server exist.
//
//   vigil-demo --input FILE --work DIR

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "vigil/core/bytes.h"
#include "vigil/crypto/hash.h"
#include "vigil/seal/key_envelope.h"
#include "vigil/seal/streaming_aead.h"

namespace {

using vigil::Bytes;
using vigil::ByteSpan;
using vigil::Status;

int Usage() {
  std::fprintf(stderr, "usage: vigil-demo --input FILE --work DIR\n");
  return 2;
}

int Failed(const std::string& what, const vigil::Error& error) {
  std::fprintf(stderr, "vigil-demo: %s: %s\n", what.c_str(), error.ToString().c_str());
  return 1;
}

vigil::Result<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return vigil::Fail(vigil::ErrorCode::kNotFound, "cannot read " + path);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

Status WriteFile(const std::string& path, ByteSpan bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) return vigil::Fail(vigil::ErrorCode::kUnavailable, "cannot write " + path);
  return vigil::OkStatus();
}

// Counts how many 32-byte windows of `needle_source` occur in `haystack`,
// sampling every 4 KiB: a crude "is any plaintext left in the blob" check.
std::size_t PlaintextWindowsFound(ByteSpan haystack, ByteSpan needle_source) {
  std::size_t found = 0;
  const std::string_view hay(reinterpret_cast<const char*>(haystack.data()), haystack.size());
  for (std::size_t pos = 0; pos + 32 <= needle_source.size(); pos += 4096) {
    const std::string_view needle(reinterpret_cast<const char*>(needle_source.data() + pos), 32);
    if (hay.find(needle) != std::string_view::npos) ++found;
  }
  return found;
}

std::string Hex8(ByteSpan bytes) { return vigil::HexEncode(bytes.first(8)) + "…"; }

}  // namespace

int main(int argc, char** argv) {
  std::string input;
  std::string work;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: vigil-demo --input FILE --work DIR\n"
          "Seals FILE as a camera would, stores what a server would hold under DIR,\n"
          "opens it as the owner would, and shows tampering being caught.\n");
      return 0;
    }
    if (i + 1 >= argc) return Usage();
    if (arg == "--input")
      input = argv[++i];
    else if (arg == "--work")
      work = argv[++i];
    else
      return Usage();
  }
  if (input.empty() || work.empty()) return Usage();
  ::mkdir(work.c_str(), 0700);

  auto clip = ReadFile(input);
  if (!clip) return Failed("input", clip.error());
  std::printf("== Vigil crypto-core demo ==\n");
  std::printf("input: %s (%zu bytes, sha256 %s)\n\n", input.c_str(), clip->size(),
              Hex8(vigil::crypto::Sha256(*clip)).c_str());

  // 1. The owner's client makes the household key; the camera learns only the
  //    public half (at pairing, in a later issue).
  const auto household = vigil::seal::HouseholdPrivateKey::Generate();
  std::printf("[owner]  household key made; camera gets public key %s\n",
              Hex8(household.public_key().bytes()).c_str());

  // 2. The camera seals the clip under a fresh clip key, and seals that key to
  //    the household. It keeps neither: it could not decrypt its own upload.
  const vigil::seal::ClipBinding binding{"clip-0001", "camera-front-door", 1};
  const std::string associated_text = binding.clip_id + "|" + binding.camera_id;
  const ByteSpan associated = vigil::AsBytes(associated_text);
  Bytes blob;
  {
    auto clip_key = vigil::seal::ClipKey::Generate();
    auto sealer = vigil::seal::StreamEncryptor::Create(clip_key, vigil::seal::ClipPart::kVideo,
                                                       associated, [&blob](ByteSpan b) {
                                                         vigil::Append(blob, b);
                                                         return vigil::OkStatus();
                                                       });
    if (!sealer) return Failed("seal", sealer.error());
    if (auto s = (*sealer)->Write(*clip); !s) return Failed("seal", s.error());
    if (auto s = (*sealer)->Finish(); !s) return Failed("seal", s.error());
    auto envelope = vigil::seal::SealClipKey(clip_key, household.public_key(), binding);
    if (!envelope) return Failed("envelope", envelope.error());
    if (auto s = WriteFile(work + "/clip-0001.blob", blob); !s) return Failed("store", s.error());
    if (auto s = WriteFile(work + "/clip-0001.envelope", *envelope); !s)
      return Failed("store", s.error());
  }
  std::printf("[camera] sealed %zu bytes into a %zu-byte blob (64 KiB AES-256-GCM segments)\n",
              clip->size(), blob.size());
  std::printf("[camera] clip key sealed with HPKE to the household: 124-byte envelope\n\n");

  // 3. What the server holds: ciphertext only.
  auto stored = ReadFile(work + "/clip-0001.blob");
  auto envelope = ReadFile(work + "/clip-0001.envelope");
  if (!stored || !envelope) return Failed("server", (!stored ? stored : envelope).error());
  std::printf("[server] holds %s/clip-0001.blob and .envelope\n", work.c_str());
  std::printf("[server] plaintext 32-byte windows found in the blob: %zu of %zu sampled\n\n",
              PlaintextWindowsFound(*stored, *clip), (clip->size() + 4095) / 4096);

  // 4. The owner opens the envelope with the household key and decrypts.
  auto clip_key = vigil::seal::OpenClipKey(*envelope, household, binding);
  if (!clip_key) return Failed("open envelope", clip_key.error());
  Bytes opened;
  auto opener = vigil::seal::StreamDecryptor::Create(*clip_key, vigil::seal::ClipPart::kVideo,
                                                     associated, [&opened](ByteSpan b) {
                                                       vigil::Append(opened, b);
                                                       return vigil::OkStatus();
                                                     });
  if (!opener) return Failed("open", opener.error());
  if (auto s = (*opener)->Write(*stored); !s) return Failed("open", s.error());
  if (auto s = (*opener)->Finish(); !s) return Failed("open", s.error());
  std::printf("[owner]  opened: %zu bytes, sha256 %s, identical: %s\n", opened.size(),
              Hex8(vigil::crypto::Sha256(opened)).c_str(), opened == *clip ? "yes" : "NO");

  // 5. Seeking: decrypt one segment from the middle, verifying only it.
  auto seek = vigil::seal::SeekableStreamDecryptor::Create(
      *clip_key, vigil::seal::ClipPart::kVideo, associated,
      ByteSpan(*stored).first(vigil::seal::kStreamHeaderBytes), stored->size());
  if (!seek) return Failed("seek", seek.error());
  const std::uint64_t middle = (*seek)->segment_count() / 2;
  auto segment = (*seek)->DecryptSegment(
      middle,
      ByteSpan(*stored).subspan((*seek)->SegmentOffset(middle), (*seek)->SegmentSize(middle)));
  if (!segment) return Failed("seek", segment.error());
  std::printf("[owner]  seek: segment %llu of %llu decrypted alone (%zu bytes)\n\n",
              static_cast<unsigned long long>(middle),
              static_cast<unsigned long long>((*seek)->segment_count()), segment->size());

  // 6. A server that tampers is caught.
  auto try_open = [&](const char* what, ByteSpan blob_bytes, const vigil::seal::ClipBinding& b) {
    auto key = vigil::seal::OpenClipKey(*envelope, household, b);
    vigil::Status result = key ? vigil::OkStatus() : vigil::Status(vigil::Fail(key.error()));
    if (key) {
      auto dec =
          vigil::seal::StreamDecryptor::Create(*key, vigil::seal::ClipPart::kVideo, associated,
                                               [](ByteSpan) { return vigil::OkStatus(); });
      result = (*dec)->Write(blob_bytes);
      if (result) result = (*dec)->Finish();
    }
    std::printf("[server tampers] %-44s -> %s\n", what,
                result ? "ACCEPTED (bug!)" : result.error().ToString().c_str());
    return !result.has_value();
  };
  Bytes flipped = *stored;
  flipped[flipped.size() / 2] ^= 0x01;
  bool all_caught = try_open("one bit flipped in the middle of the blob", flipped, binding);
  all_caught &=
      try_open("last 100 bytes cut off", ByteSpan(*stored).first(stored->size() - 100), binding);
  all_caught &= try_open("envelope presented for another clip", *stored,
                         {"clip-0002", binding.camera_id, binding.household_epoch});
  std::printf("\n%s\n", all_caught && opened == *clip ? "demo: OK" : "demo: FAILED");
  return all_caught && opened == *clip ? 0 : 1;
}
