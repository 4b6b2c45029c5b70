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
import org.plscj.export.OnnxExport;
import org.plscj.export.PyTorchImport;

/**
 * Runs an ONNX face model through onnxruntime: ours ({@code backbone.onnx}) or one from elsewhere
 * (insightface's model zoo), which must take one float input [N, 3, 112, 112] and give [N, D].
 *
 * <p>Pixels: every engine is given PLSC's (x − 127.5)/128. A model trained on another scale gets its own: arcface_torch
 * trains and evaluates on (x − 127.5)/127.5 ({@code dataset.py}'s Normalize(0.5, 0.5), {@code eval_ijbc.py},
 * {@code onnx_helper.py}'s input_std), so a file not exported by PLSC-J is taken to expect that unless told otherwise,
 * and its input is multiplied by 128/127.5.
 */
public final class OnnxEngine implements EmbeddingEngine {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String input;
    private final int embDim;
    private final double inputStd;

    /** A model taking the pixel scale its producer implies (see the class comment). */
    public OnnxEngine(Path model) throws OrtException {
        this(model, null);
    }

    /** @param inputStd the pixel std the model was trained with; null: PLSC's for our exports, arcface_torch's otherwise */
    public OnnxEngine(Path model, Double inputStd) throws OrtException {
        session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        input = session.getInputNames().iterator().next();
        NodeInfo output = session.getOutputInfo().values().iterator().next();
        long[] shape = ((TensorInfo) output.getInfo()).getShape();
        if (shape.length != 2 || shape[1] <= 0) {
            throw new IllegalArgumentException(model + ": expected one output of shape [N, D], got " + Arrays.toString(shape));
        }
        embDim = (int) shape[1];
        this.inputStd = inputStd != null ? inputStd
                : OnnxExport.PRODUCER.equals(session.getMetadata().getProducerName()) ? PyTorchImport.PLSC_INPUT_STD
                        : PyTorchImport.ARCFACE_TORCH_INPUT_STD;
        if (!(this.inputStd > 0)) {
            session.close();
            throw new IllegalArgumentException("the input std must be positive, got " + inputStd);
        }
    }

    /** The pixel std the model is fed with: its input is (x − 127.5)/inputStd. */
    public double inputStd() {
        return inputStd;
    }

    @Override
    public int embDim() {
        return embDim;
    }

    @Override
    public float[][] embed(float[] images, int n) {
        int values = n * 3 * 112 * 112;
        float[] scaled = images;
        if (inputStd != PyTorchImport.PLSC_INPUT_STD) {
            // (x − 127.5)/std = ((x − 127.5)/128) · 128/std
            float factor = (float) (PyTorchImport.PLSC_INPUT_STD / inputStd);
            scaled = new float[values];
            for (int i = 0; i < values; i++) {
                scaled[i] = images[i] * factor;
            }
        }
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(scaled, 0, values), new long[] {n, 3, 112, 112});
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
