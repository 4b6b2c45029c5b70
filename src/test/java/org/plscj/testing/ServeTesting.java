package org.plscj.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.export.OnnxExport;
import org.plscj.model.Backbone;

/** Shared helpers of the serve tests: images, embeddings as arrays, onnxruntime. */
public final class ServeTesting {
    private ServeTesting() {}

    /** Images [n, 3, 112, 112] uniform in [−1, 1] (the loader's normalised range), reproducible from {@code seed}. */
    public static Tensor images(int n, long seed) {
        torch.manual_seed(seed);
        return torch.rand(n, 3, 112, 112).mul(new Scalar(2.0)).sub(new Scalar(1.0));
    }

    /** {@code backbone}'s eval-mode embeddings of {@code images}. */
    public static float[][] embed(Backbone backbone, Tensor images) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return rows(backbone.forward(images));
        }
    }

    public static float[][] rows(Tensor t) {
        Tensor host = t.to(torch.ScalarType.Float).contiguous();
        int n = (int) host.size(0);
        int d = (int) host.size(1);
        float[] flat = new float[n * d];
        host.data_ptr_float().get(flat);
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
        }
        return out;
    }

    /** Runs the ONNX model at {@code model} on {@code images} with onnxruntime. */
    public static float[][] runOnnx(Path model, Tensor images) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Tensor host = images.contiguous();
        float[] flat = new float[(int) host.numel()];
        host.data_ptr_float().get(flat);
        long[] shape = {host.size(0), host.size(1), host.size(2), host.size(3)};
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
                OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), shape);
                OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            return (float[][]) result.get(0).getValue();
        }
    }

    public static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    public static double maxAbs(float[][] a) {
        double max = 0;
        for (float[] row : a) {
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }
}
