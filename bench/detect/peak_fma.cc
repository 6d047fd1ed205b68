// SPDX-License-Identifier: Apache-2.0
// FP32 fused multiply-add loops that measure one core's peak arithmetic rate
// (bench/detect's reference for the detector's achieved GFLOP/s).
//
// This file alone is compiled with -mavx2 -mfma -mavx512f (bench/detect/
// CMakeLists.txt); the caller checks the CPU's flags before calling a loop.
//
// Each loop keeps kAccumulators independent vector accumulators and updates
// each with one FMA per iteration (acc = acc * m + a), so the FMAs of one
// iteration do not depend on each other and enough of them are in flight to
// cover the FMA latency on every pipe (latency 4 cycles x 2 pipes = 8 needed
// on current x86 cores; 12 and 16 leave margin and still fit the register
// file: 16 ymm / 32 zmm). With m just below 1 the values converge instead of
// overflowing, and no denormals occur.

#include "peak_fma.h"

#include <immintrin.h>

namespace vigil::bench {
namespace {

constexpr float kMul = 0.999999F;
constexpr float kAdd = 1e-6F;

}  // namespace

float FmaLoopAvx2(std::int64_t iterations) {
  constexpr int kAccumulators = 12;
  __m256 acc[kAccumulators];
  for (int k = 0; k < kAccumulators; ++k)
    acc[k] = _mm256_set1_ps(1.0F + 0.001F * static_cast<float>(k));
  const __m256 m = _mm256_set1_ps(kMul);
  const __m256 a = _mm256_set1_ps(kAdd);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm256_fmadd_ps(acc[k], m, a);
  }
  __m256 sum = acc[0];
  for (int k = 1; k < kAccumulators; ++k) sum = _mm256_add_ps(sum, acc[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

float FmaLoopAvx512(std::int64_t iterations) {
  constexpr int kAccumulators = 16;
  __m512 acc[kAccumulators];
  for (int k = 0; k < kAccumulators; ++k)
    acc[k] = _mm512_set1_ps(1.0F + 0.001F * static_cast<float>(k));
  const __m512 m = _mm512_set1_ps(kMul);
  const __m512 a = _mm512_set1_ps(kAdd);
  for (std::int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_fmadd_ps(acc[k], m, a);
  }
  __m512 sum = acc[0];
  for (int k = 1; k < kAccumulators; ++k) sum = _mm512_add_ps(sum, acc[k]);
  // (Stored and summed by hand: GCC 12's _mm512_reduce_add_ps trips -Wuninitialized.)
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

}  // namespace vigil::bench
