/**
 * Backbones (PLSC ResNet, IResNet, MobileFaceNet, TinyFaceNet on a conv-BN-PReLU facade; arcface_torch's Vision Transformers), the custom-backbone
 * contract ({@link org.plscj.model.Backbone}), the per-layer observer a forward can show its layers to
 * ({@link org.plscj.model.LayerObserver}), the layer graph export walks and the MAC count taken from it. Imports only
 * {@code tensor}.
 */
package org.plscj.model;
