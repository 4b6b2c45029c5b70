/**
 * The model-parallel classification head: class sharding, margins, the blocked distributed softmax step, Partial FC,
 * the single-device autograd reference and {@code plsc check}'s comparison. Imports {@code comm}, {@code optim} and {@code tensor}.
 *
 * <p>Memory per class of a shard: W and its momentum (AdamW: and the second moment) at the {@link org.plscj.head.HeadDtype}'s
 * element size (4 bytes, or 2 in bfloat16), plus 4 bytes of cached 1/‖w‖ (margin losses) or 8 of bias and its momentum
 * (softmax), plus, unless the logits are recomputed, N·4 bytes of the step's logits buffer. A step adds only per-block
 * temporaries ([N, block] and, in bfloat16, the block's [block, D] rows widened to float32), never a copy of the shard;
 * with k block threads, k of them at a time, and each thread's own [N, D] dX and three [N] softmax statistics (with
 * recomputed logits, each thread's own [N, block] logits buffer).
 */
package org.plscj.head;
