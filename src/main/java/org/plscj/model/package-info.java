/**
 * Backbones (PLSC ResNet, IResNet, MobileFaceNet, TinyFaceNet) on a conv-BN-PReLU facade, the custom-backbone
 * contract ({@link org.plscj.model.Backbone}) and the layer graph export walks. Imports only {@code tensor}.
 */
package org.plscj.model;
