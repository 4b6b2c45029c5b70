/**
 * Checkpoints: torch.save-compatible files (and the classes' names, {@code labels.tsv}), the crash-safe store (shared
 * or one directory per machine), loading with resharding and class growth ({@code remote} uploads and fetches them).
 * Imports {@code comm}, {@code head},
 * {@code labels}, {@code model}, {@code io}, {@code tensor}.
 */
package org.plscj.checkpoint;
