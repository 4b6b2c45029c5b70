/**
 * The thin facade over the JavaCPP libtorch presets: placement and dtype, the few tensor operations the rest uses named
 * after their math, array ↔ tensor copies, and loading the native libraries once. Imports nothing of PLSC-J.
 */
package org.plscj.tensor;
