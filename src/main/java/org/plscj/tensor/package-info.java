/**
 * The thin facade over the JavaCPP libtorch presets: placement and dtype, the few tensor operations the rest uses named
 * after their math, array ↔ tensor copies, loading the native libraries once, and the CPU features that decide which kernels
 * oneDNN can run (bf16). Imports nothing of PLSC-J.
 */
package org.plscj.tensor;
