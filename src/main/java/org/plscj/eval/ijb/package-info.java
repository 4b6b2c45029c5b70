/**
 * IJB-B/IJB-C template verification as insightface's {@code recognition/arcface_torch/eval_ijbc.py} reports it: the
 * released meta layout, aligned and flip-summed image features, norm and faceness weighting, media and template
 * pooling, pair scores, scikit-learn's ROC and the TAR@FAR table. Imports {@code align}, {@code comm}, {@code data},
 * {@code eval}, {@code io}, {@code serve} (its .npy writer), {@code tensor}.
 */
package org.plscj.eval.ijb;
