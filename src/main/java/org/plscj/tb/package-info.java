/**
 * TensorBoard event files: {@code events.out.tfevents.<unix-seconds>.<host>} in TFRecord framing (length and data each
 * followed by a masked CRC32C), holding {@code tensorboard.Event} messages generated at build time from TensorBoard's
 * own {@code event.proto} and {@code summary.proto} (src/main/proto/tensorboard/): scalars, PNG images and the session
 * start a resumed run writes. Knows nothing of training; {@code train}'s log writes through it.
 */
package org.plscj.tb;
