/**
 * Remote storage for what a run reads and writes elsewhere: the provider SPI ({@link org.plscj.remote.RemoteStorage},
 * found by {@code ServiceLoader}; the hdfs module registers HDFS/S3), its protocol over seven file-system primitives
 * (partial directory, read-back verification, manifest last, atomic rename, retries), {@code dir://}, background
 * checkpoint uploads, and fetching a directory (a checkpoint, or a data set for {@code train.RemoteData}). Imports
 * {@code checkpoint} (a checkpoint's layout and manifest) and {@code io}; {@code checkpoint} does not import it.
 */
package org.plscj.remote;
