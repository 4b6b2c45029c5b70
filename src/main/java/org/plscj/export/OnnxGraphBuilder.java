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

    @Override
    public String tokens(String x) {
        // [N, C, H, W] → [N, C, H·W] → [N, H·W, C]; a 0 in Reshape's shape keeps that dimension (the symbolic batch)
        return node("Transpose", List.of(node("Reshape", List.of(x, longs(0, 0, -1)))), ints("perm", 0, 2, 1));
    }

    @Override
    public String addConstant(String x, Tensor t) {
        return node("Add", List.of(x, initializer(t)));
    }

    /** Opset 13 has no LayerNormalization (opset 17): its definition, written out over the last axis. */
    @Override
    public String layerNorm(String x, Tensor scale, Tensor shift, double eps) {
        String centred = node("Sub", List.of(x, node("ReduceMean", List.of(x), ints("axes", -1))));
        String variance = node("ReduceMean", List.of(node("Mul", List.of(centred, centred))), ints("axes", -1));
        String normalised = node("Div", List.of(centred, node("Sqrt", List.of(node("Add", List.of(variance, scalar(eps)))))));
        return node("Add", List.of(node("Mul", List.of(normalised, initializer(scale))), initializer(shift)));
    }

    /** Gemm takes only matrices: tokens [N, L, in] need MatMul with Wᵀ [in, out] (stored transposed), then the bias. */
    @Override
    public String tokenLinear(String x, Tensor weight, Tensor bias) {
        String product = node("MatMul", List.of(x, initializer(weight.t().contiguous())));
        return bias == null ? product : node("Add", List.of(product, initializer(bias)));
    }

    @Override
    public String relu6(String x) {
        return node("Clip", List.of(x, scalar(0), scalar(6)));
    }

    @Override
    public String attention(String qkv, long heads) {
        // [N, L, 3D] → [N, L, 3, h, d] → [3, N, h, L, d]; q, k, v = its three slices [N, h, L, d]
        String byHead = node("Transpose", List.of(node("Reshape", List.of(qkv, longs(0, 0, 3, heads, -1)))),
                ints("perm", 2, 0, 3, 1, 4));
        String q = node("Gather", List.of(byHead, index(0)), integer("axis", 0));
        String k = node("Gather", List.of(byHead, index(1)), integer("axis", 0));
        String v = node("Gather", List.of(byHead, index(2)), integer("axis", 0));
        // softmax(q·kᵀ/√d)·v, with d read from q's shape
        String d = node("Cast", List.of(node("Gather", List.of(node("Shape", List.of(q)), index(-1)), integer("axis", 0))),
                integer("to", TensorProto.DataType.FLOAT_VALUE));
        String products = node("MatMul", List.of(q, node("Transpose", List.of(k), ints("perm", 0, 1, 3, 2))));
        String scores = node("Div", List.of(products, node("Sqrt", List.of(d))));
        String attended = node("MatMul", List.of(node("Softmax", List.of(scores), integer("axis", -1)), v));
        // [N, h, L, d] → [N, L, h, d] → [N, L, D]
        return node("Reshape", List.of(node("Transpose", List.of(attended), ints("perm", 0, 2, 1, 3)), longs(0, 0, -1)));
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

    /** A float32 scalar constant. */
    private String scalar(double value) {
        String name = "c_" + (counter++);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addFloatData((float) value));
        return name;
    }

    /** An int64 vector constant (a shape). */
    private String longs(long... values) {
        String name = "c_" + (counter++);
        TensorProto.Builder tp = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) {
            tp.addInt64Data(v);
        }
        graph.addInitializer(tp);
        return name;
    }

    /** An int64 scalar constant: Gather with it drops the gathered axis. */
    private String index(long value) {
        String name = "c_" + (counter++);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(value));
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
