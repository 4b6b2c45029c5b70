/**
 * Benchmarks behind {@code plsc bench}: the head step and its floor, whole training steps beside PyTorch, data
 * loading and shuffle-split, serving (throughput, latency, identification), with machine facts and memory. May import {@code train} and the library packages; nothing
 * imports it but {@code cli}.
 */
package org.plscj.bench;
