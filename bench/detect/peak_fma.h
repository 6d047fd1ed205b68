// SPDX-License-Identifier: Apache-2.0
#pragma once

// One core's FP32 FMA loops (peak_fma.cc, built with AVX2/FMA/AVX-512F code
// generation). Each returns a value derived from its accumulators, so that the
// work cannot be removed; call one only if the CPU has its instruction set.

#include <cstdint>

namespace vigil::bench {

// iterations x 12 FMAs on 8-lane vectors: 192 FLOP per iteration.
inline constexpr int kAvx2FlopsPerIteration = 2 * 8 * 12;
float FmaLoopAvx2(std::int64_t iterations);

// iterations x 16 FMAs on 16-lane vectors: 512 FLOP per iteration.
inline constexpr int kAvx512FlopsPerIteration = 2 * 16 * 16;
float FmaLoopAvx512(std::int64_t iterations);

}  // namespace vigil::bench
