package org.plscj.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.bytedeco.pytorch.NoGradGuard;
import org.plscj.io.AtomicFile;
import org.plscj.model.Backbone;

/**
 * Writes a backbone's eval-mode forward pass as an ONNX model: input {@value #INPUT} [batch, 3, 112,
 * 112] fp32 (normalised as the data loader does, (x − 127.5)/128), output {@value #OUTPUT}
 * [batch, emb_dim], not L2-normalised. The batch dimension is symbolic.
 */
public final class OnnxExport {
    /** The producer name our files carry: it tells serve.OnnxEngine that the model takes PLSC's pixel scale. */
    public static final String PRODUCER = "plsc-j";
    /** Opset 13: every operator used here in its current form, read by onnxruntime ≥ 1.6 and TensorRT. */
    static final long OPSET = 13;
    /** IR version 7 goes with opset 13. */
    static final long IR_VERSION = 7;
    public static final String INPUT = "images";
    public static final String OUTPUT = "embeddings";
    static final long IMAGE_SIZE = 112;

    private OnnxExport() {}

    /** The ONNX model of {@code backbone} (its weights as they are now). */
    public static ModelProto model(Backbone backbone) {
        OnnxGraphBuilder b = new OnnxGraphBuilder();
        String last;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            last = backbone.exportTo(b, INPUT);
        }
        b.graph().addNode(NodeProto.newBuilder().setOpType("Identity").setName(OUTPUT).addInput(last).addOutput(OUTPUT));
        b.graph().setName(backbone.modelName())
                .addInput(value(INPUT, List.of(3L, IMAGE_SIZE, IMAGE_SIZE)))
                .addOutput(value(OUTPUT, List.of((long) backbone.embDim())));
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName(PRODUCER)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(b.graph()).build();
    }

    /** Writes {@link #model} to {@code file} via a temporary file and a rename. */
    public static void write(Backbone backbone, Path file) throws IOException {
        byte[] bytes = model(backbone).toByteArray();
        AtomicFile.write(file, out -> out.write(bytes));
    }

    /** A float tensor value [batch, dims...] with a symbolic batch dimension. */
    private static ValueInfoProto value(String name, List<Long> dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto.Tensor tensor = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
    }
}
