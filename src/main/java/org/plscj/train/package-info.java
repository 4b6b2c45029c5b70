/**
 * Training: the one configuration record with PLSC's names, the step, the trainer loop and its step listeners
 * (validation, log and metrics, checkpoints and best/, a user's own), where a run's checkpoints live ({@code RunStorage}:
 * lock, sharing, uploads), SGD, gradient sync (bucketed, overlapped with backward) and clipping, the LR schedule,
 * non-finite guards, metrics, curves and the TensorBoard event file, validation, the memory and time plans. Imports
 * every library package but {@code bench}, {@code export}, {@code serve} and {@code cli}.
 */
package org.plscj.train;
