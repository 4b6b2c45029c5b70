/**
 * Evaluation as insightface does it: verification sets ({@code .bin}), 10-fold accuracy, ROC and VAL@FAR, flip-sum
 * embedding split across workers, 1:N identification over class centres. Imports {@code checkpoint}, {@code comm},
 * {@code data}, {@code model}, {@code io}, {@code tensor}.
 */
package org.plscj.eval;
