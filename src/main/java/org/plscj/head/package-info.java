/**
 * The model-parallel classification head: class sharding, margins, the blocked distributed softmax step, Partial FC,
 * the single-device autograd reference and {@code plsc check}'s comparison. Imports {@code comm}, {@code optim} and {@code tensor}.
 */
package org.plscj.head;
