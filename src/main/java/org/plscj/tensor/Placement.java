package org.plscj.tensor;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Where tensors live and in which precision: {@code cpu} (default) or {@code cuda[:i]} when the
 * GPU build of the presets is on the class path; {@code float32} or {@code float64}.
 */
public record Placement(String device, ScalarType dtype) {
    public static final Placement CPU_FLOAT = new Placement("cpu", ScalarType.Float);

    public Placement {
        if (!device.equals("cpu") && !device.startsWith("cuda")) {
            throw new IllegalArgumentException("device must be cpu or cuda[:index], got '" + device + "'");
        }
        if (dtype != ScalarType.Float && dtype != ScalarType.Double) {
            throw new IllegalArgumentException("dtype must be float32 or float64, got " + dtype);
        }
    }

    public static Placement of(String device, String dtype) {
        return switch (dtype) {
            case "float32", "fp32", "float" -> new Placement(device, ScalarType.Float);
            case "float64", "fp64", "double" -> new Placement(device, ScalarType.Double);
            default -> throw new IllegalArgumentException("dtype must be float32 or float64, got '" + dtype + "'");
        };
    }

    /** Options for floating tensors here (a fresh native object: create inside the caller's scope). */
    public TensorOptions floats() {
        return new TensorOptions().device(new DeviceOptional(new Device(device))).dtype(new ScalarTypeOptional(dtype));
    }

    /** Options for int64 tensors here. */
    public TensorOptions longs() {
        return new TensorOptions().device(new DeviceOptional(new Device(device))).dtype(new ScalarTypeOptional(ScalarType.Long));
    }

    public boolean isCpu() {
        return device.equals("cpu");
    }
}
