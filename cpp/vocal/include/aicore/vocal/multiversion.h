#pragma once
// AICORE_VOCAL_HOT marks an audio-path loop that is compiled twice: for the x86-64 baseline
// every player's CPU runs, and for x86-64-v3 (AVX2 + FMA, every x86 CPU since 2013-2015:
// Haswell, Zen). The dynamic loader picks one copy per function once, when the library is
// loaded (GCC function multi-versioning resolves through an ifunc), so the audio thread
// pays no per-call test and a CPU without AVX2 still runs the baseline copy.
//
// Why: the voice chain's inner loops are gathers (PSOLA's cubic taps, modulated delay
// reads) and short biquad recursions; eight lanes with hardware gathers and fused
// multiply-adds take about a sixth off a voice's cost (docs/vocal.md, "What it costs").
//
// Only functions whose loops are hot are marked: a clone covers its own body and what is
// inlined into it, not out-of-line callees. Results may differ in the last bits between the
// two copies (FMA rounds once), never between two runs on one machine, so renders stay
// bit-identical per seed on a given CPU.
//
// Not under ThreadSanitizer: the loader runs ifunc resolvers before TSan's runtime starts,
// and TSan instruments them, so the build for `make sanitize` keeps one copy of each.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__)
#define AICORE_VOCAL_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define AICORE_VOCAL_HOT
#endif
