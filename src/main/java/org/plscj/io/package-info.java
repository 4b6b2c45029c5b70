/**
 * Files that must survive crashes and hostile contents: atomic single-file writes ({@link org.plscj.io.AtomicFile}),
 * directories built atomically ({@link org.plscj.io.AtomicDirectory}), durable directory trees ({@link org.plscj.io.FileTrees}), SHA-256 digests ({@link org.plscj.io.Sha256}), a
 * pickle reader that checks every declared length before allocating ({@link org.plscj.io.BoundedUnpickler}), and the
 * kernel's memory counters ({@link org.plscj.io.MemoryProbe}: this process's RSS, the machine's available memory).
 * Depends on nothing else of PLSC-J.
 */
package org.plscj.io;
