/**
 * The facade over the JavaCPP libtorch presets, and the only package that touches JavaCPP itself: native memory by block
 * ({@link org.plscj.tensor.Scoped}: run, compute, keep a result, hold what outlives every scope), placement and dtype, float32
 * stretches under bf16 autocast ({@link org.plscj.tensor.Autocast}), the
 * few tensor operations the rest uses named after their math, array ↔ tensor copies and byte windows, loading the native
 * libraries once, the versions of the native stack (read from the presets' Maven metadata), and the CPU features that
 * decide which kernels oneDNN can run (bf16). Imports nothing of PLSC-J;
 * {@code ArchitectureTest} fails when another package names {@code org.bytedeco.javacpp}.
 */
package org.plscj.tensor;
