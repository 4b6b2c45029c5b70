package org.plscj.checkpoint;

import java.io.IOException;
import org.bytedeco.pytorch.Tensor;

/** Where the unpickler gets the storages a torch.save pickle names by persistent id. */
interface StorageSource {
    /** The storage {@code key} as a flat tensor of {@code numel} elements of {@code type}'s dtype; one tensor per key. */
    Tensor storage(String key, StorageType type, long numel) throws IOException;
}
