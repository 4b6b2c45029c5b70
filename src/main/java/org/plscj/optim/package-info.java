/**
 * Optimizer update rules shared by the backbone's optimizer ({@code train}) and the head's shard update ({@code head}),
 * so both apply the same formula: today torch.optim.AdamW's. Imports {@code tensor} only.
 */
package org.plscj.optim;
