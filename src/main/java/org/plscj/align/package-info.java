/**
 * Face alignment as insightface does it: the similarity transform (rotation, uniform scale, translation) that
 * best maps a face's five landmarks onto the ArcFace 112×112 template, estimated in closed form (Umeyama), the
 * image warped through it (bilinear, black outside), the landmark files ({@code name x1 y1 … x5 y5 [score]})
 * and {@code plsc data align}'s directory-to-directory tool. Imports {@code io} only.
 */
package org.plscj.align;
