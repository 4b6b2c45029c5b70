package org.plscj.tensor;

import java.io.IOException;
import org.bytedeco.javacpp.Loader;

/**
 * The versions of the native stack on the class path, read from the presets' Maven metadata without loading any
 * native library (so {@code plsc --version} answers in well under a second). A preset's version is
 * {@code <library version>-<JavaCPP version>}, e.g. {@code 2.10.0-1.5.13} for libtorch 2.10.0.
 *
 * @param javacpp  JavaCPP's version
 * @param pytorch  the libtorch preset's version
 * @param openblas the OpenBLAS preset's version
 */
public record NativeVersions(String javacpp, String pytorch, String openblas) {
    private static final String UNKNOWN = "unknown";

    /** What this class path holds; "unknown" for a jar without Maven metadata (a repackaged fat jar). */
    public static NativeVersions current() {
        return new NativeVersions(read(null), read("pytorch"), read("openblas"));
    }

    /** The native library's own version: the preset's version without its JavaCPP suffix. */
    public static String library(String presetVersion) {
        int dash = presetVersion.lastIndexOf('-');
        return dash < 0 ? presetVersion : presetVersion.substring(0, dash);
    }

    /** The version of {@code org.bytedeco:artifact}, or of JavaCPP itself when null. */
    private static String read(String artifact) {
        try {
            String version = artifact == null ? Loader.getVersion() : Loader.getVersion("org.bytedeco", artifact);
            return version == null || version.isBlank() ? UNKNOWN : version;
        } catch (IOException e) {
            return UNKNOWN;
        }
    }
}
