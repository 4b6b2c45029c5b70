/**
 * Models leaving training: inference bundles written from a checkpoint ({@code plsc export}) or imported from
 * arcface_torch's PyTorch weights ({@code plsc import}), their metadata (fingerprint = the weights' SHA-256, provenance,
 * class-centre precision), the ONNX graph built from a backbone's layer description (the official {@code onnx.proto}),
 * and BatchNorm calibration for a backbone that never saw real statistics. Imports the library packages, never
 * {@code serve}: the server reads what this package writes.
 */
package org.plscj.export;
