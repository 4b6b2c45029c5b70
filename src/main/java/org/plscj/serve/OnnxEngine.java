package org.plscj.serve;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Runs an ONNX face model through onnxruntime: ours ({@code backbone.onnx}) or one from elsewhere
 * (insightface's model zoo), which must take one float input [N, 3, 112, 112] and give [N, D].
 */
public final class OnnxEngine implements EmbeddingEngine {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String input;
    private final int embDim;

    public OnnxEngine(Path model) throws OrtException {
        session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        input = session.getInputNames().iterator().next();
        NodeInfo output = session.getOutputInfo().values().iterator().next();
        long[] shape = ((TensorInfo) output.getInfo()).getShape();
        if (shape.length != 2 || shape[1] <= 0) {
            throw new IllegalArgumentException(model + ": expected one output of shape [N, D], got " + Arrays.toString(shape));
        }
        embDim = (int) shape[1];
    }

    @Override
    public int embDim() {
        return embDim;
    }

    @Override
    public float[][] embed(float[] images, int n) {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(images, 0, n * 3 * 112 * 112), new long[] {n, 3, 112, 112});
                OrtSession.Result r = session.run(Map.of(input, x))) {
            return (float[][]) r.get(0).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime failed on a batch of " + n + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
