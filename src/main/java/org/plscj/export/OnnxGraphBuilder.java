package org.plscj.export;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import org.bytedeco.pytorch.Tensor;
import org.plscj.model.LayerGraph;
import org.plscj.tensor.Tensors;

/**
 * Builds an ONNX {@link GraphProto} (classes generated from the official onnx.proto) as a backbone
 * walks itself through {@link LayerGraph}: one node per call, every weight an fp32 initializer.
 * Operators are those of opset {@link OnnxExport#OPSET}.
 */
final class OnnxGraphBuilder implements LayerGraph {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private int counter;

    GraphProto.Builder graph() {
        return graph;
    }

    @Override
    public String conv(String x, Tensor weight, long stride, long padding, long groups) {
        long kernel = weight.size(2);
        return node("Conv", List.of(x, initializer(weight)),
                ints("kernel_shape", kernel, kernel), ints("strides", stride, stride),
                ints("pads", padding, padding, padding, padding), ints("dilations", 1, 1), integer("group", groups));
    }

    @Override
    public String batchNorm(String x, Tensor scale, Tensor shift, Tensor runningMean, Tensor runningVar, double eps) {
        return node("BatchNormalization",
                List.of(x, initializer(scale), initializer(shift), initializer(runningMean), initializer(runningVar)),
                AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT)
                        .setF((float) eps).build());
    }

    @Override
    public String prelu(String x, Tensor slopes) {
        // why: ONNX broadcasts the slope from the right; per-channel slopes of [N, C, H, W] must be [C, 1, 1]
        Tensor shaped = slopes.numel() == 1 ? slopes.reshape(1) : slopes.reshape(slopes.numel(), 1, 1);
        return node("PRelu", List.of(x, initializer(shaped)));
    }

    @Override
    public String add(String a, String b) {
        return node("Add", List.of(a, b));
    }

    @Override
    public String flatten(String x) {
        return node("Flatten", List.of(x), integer("axis", 1));
    }

    @Override
    public String linear(String x, Tensor weight, Tensor bias) {
        List<String> inputs = bias == null ? List.of(x, initializer(weight)) : List.of(x, initializer(weight), initializer(bias));
        return node("Gemm", inputs, integer("transB", 1));
    }

    /** Adds a node with one output; returns the output's name. */
    String node(String op, List<String> inputs, AttributeProto... attributes) {
        String out = op.toLowerCase() + "_" + (counter++);
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(inputs).addOutput(out)
                .addAllAttribute(List.of(attributes)));
        return out;
    }

    /** Adds {@code t}'s values (as fp32, little-endian raw data) as a graph initializer; returns its name. */
    private String initializer(Tensor t) {
        String name = "w_" + (counter++);
        float[] values = Tensors.toFloatArray(t.detach());
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder tp = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : Tensors.shape(t)) {
            tp.addDims(d);
        }
        graph.addInitializer(tp);
        return name;
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }
}
