/**
 * Training: the one configuration record with PLSC's names, the step, the trainer loop and its step listeners
 * (validation, log and metrics, checkpoints and best/, a user's own), where a run's checkpoints live ({@code RunStorage}:
 * lock, sharing, uploads), SGD and AdamW, gradient sync (bucketed, overlapped with backward), accumulation and clipping,
 * the LR schedule, a pretrained_model's backbone (a state_dict through {@code export}'s import), non-finite guards (a
 * step with non-finite embeddings names the first non-finite layer), metrics, curves and the TensorBoard event file,
 * validation, the memory and time plans. Imports every library package but {@code bench}, {@code serve} and {@code cli}.
 */
package org.plscj.train;
