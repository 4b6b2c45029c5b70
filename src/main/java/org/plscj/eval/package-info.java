/**
 * Evaluation as insightface does it: verification sets ({@code .bin}), 10-fold accuracy, ROC and VAL@FAR, flip-sum
 * embedding split across workers, 1:N identification over class centres (an index kept fp32, fp16 or int8 that answers a
 * batch of queries in one pass). Imports {@code checkpoint}, {@code comm},
 * {@code data}, {@code model}, {@code io}, {@code tensor}.
 */
package org.plscj.eval;
