/**
 * Training data: PLSC's base64 format (reader, writer, validation), insightface's RecordIO, imports, the
 * external-memory shuffle + split, stats, JPEG/PNG decoding and augmentation, and the streaming shard loader
 * with its cached per-file offset indexes.
 */
package org.plscj.data;
