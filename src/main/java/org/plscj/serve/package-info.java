/**
 * Inference: reading bundles ({@code export} writes them) into the libtorch and onnxruntime engines, batch prediction to
 * .npy, and {@code plsc serve} — the HTTP server (Javalin/Jetty) with dynamic batching (of images into backbone batches, of identification queries into
 * one pass over the class centres, which it keeps in the bundle's precision), its access rules (loopback by
 * default, API key, body types, TLS from PEM), its limits (body bytes counted while reading, image pixels read from
 * headers, request timeout, graceful drain) and the enrolled gallery persisted as a checksummed log plus atomic
 * snapshots, bound to the fingerprint (weights' SHA-256) of the model that made its templates, and rebuilt for a new
 * model by re-enrolment, and its {@code /metrics} (through Prometheus' Java client). Its benchmark lives in {@code bench}.
 */
package org.plscj.serve;
