package org.plscj.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.eval.CentreStorage;
import org.plscj.eval.NearestCentres;
import org.plscj.export.CentresPrecision;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;

/** A bundle's centres are served in the precision it stores them, and identify the same classes as fp32 ones. */
class StoredCentresTest {
    private static final int CLASSES = 300;

    @TempDir
    static Path root;

    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void int8AndFp16BundlesAreServedAsStoredAndFindTheSameClasses() throws Exception {
        ModelBundle exact = ModelBundle.open(TestBundles.bundle(root.resolve("fp32"), CLASSES, CentresPrecision.FP32));
        ModelBundle half = ModelBundle.open(TestBundles.bundle(root.resolve("fp16"), CLASSES, CentresPrecision.FP16));
        ModelBundle int8 = ModelBundle.open(TestBundles.bundle(root.resolve("int8"), CLASSES, CentresPrecision.INT8));
        assertEquals(ScalarType.Float, Tensors.dtype(exact.centres()));
        assertNull(exact.centreScales());
        assertEquals(ScalarType.Half, Tensors.dtype(half.centres()));
        assertEquals(ScalarType.Char, Tensors.dtype(int8.centres()));
        assertNotNull(int8.centreScales());
        try (PointerScope scope = new PointerScope()) {
            // every class's own centre is its query: the best class is itself, well separated from the others
            Tensor queries = exact.centres().narrow(0, 0, 40);
            for (ModelBundle b : new ModelBundle[] {half, int8}) {
                ServedModel served = b.served();
                try (NearestCentres.Index index = NearestCentres.Index.ofStored(served.centres(), served.centreScales())) {
                    assertEquals(Tensors.dtype(b.centres()) == ScalarType.Half ? CentreStorage.FP16 : CentreStorage.INT8, index.storage());
                    NearestCentres.Result r = index.topK(queries, 3);
                    for (int i = 0; i < 40; i++) {
                        assertEquals(i, r.indices()[i][0], index.storage() + ": class " + i);
                    }
                }
            }
        }
    }
}
