package org.plscj.checkpoint;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import org.plscj.io.BoundedUnpickler;
import net.razorvine.pickle.objects.ClassDict;
import net.razorvine.pickle.objects.ClassDictConstructor;

/**
 * Pyrolite's unpickler for torch.save's data.pkl. It resolves torch's GLOBALs per instance (no
 * change to Pyrolite's static registry), keeps dict order (Pyrolite's own dicts are HashMaps), turns each storage persistent id — a tuple, where Pyrolite
 * expects a string — into that storage's flat tensor, and ignores the
 * {@code _metadata} state torch attaches to a state_dict's OrderedDict.
 */
final class TorchUnpickler extends BoundedUnpickler {
    private final StorageSource records;

    /** @param size the pickle record's size: no length it declares may exceed what is left of it */
    TorchUnpickler(StorageSource records, long size) {
        super(size);
        this.records = records;
    }

    @Override
    protected Object dispatch(short key) throws IOException {
        switch (key) {
            case Opcodes.GLOBAL:
                stack.add(resolve(PickleUtils.readline(input), PickleUtils.readline(input)));
                return NO_RETURN_VALUE;
            case Opcodes.STACK_GLOBAL:
                String name = (String) stack.pop();
                stack.add(resolve((String) stack.pop(), name));
                return NO_RETURN_VALUE;
            case Opcodes.BINPERSID:
                stack.add(storage(stack.pop()));
                return NO_RETURN_VALUE;
            case Opcodes.EMPTY_DICT:
                stack.add(new LinkedHashMap<>());
                return NO_RETURN_VALUE;
            case Opcodes.SETITEMS:
                setItems();
                return NO_RETURN_VALUE;
            case Opcodes.BUILD:
                return build(key);
            default:
                return super.dispatch(key);
        }
    }

    /** Pyrolite gathers SETITEMS pairs in a HashMap first, which loses their order; this keeps it. */
    @SuppressWarnings("unchecked")
    private void setItems() {
        List<Object> pairs = stack.pop_all_since_marker();
        Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            dict.put(pairs.get(i), pairs.get(i + 1));
        }
    }

    private Object build(short key) throws IOException {
        Object state = stack.pop();
        Object target = stack.peek();
        if (target instanceof Map && !(target instanceof ClassDict)) {
            return NO_RETURN_VALUE; // why: a state_dict's _metadata (module versions) is not a value
        }
        stack.add(state);
        return super.dispatch(key);
    }

    private static IObjectConstructor resolve(String module, String name) {
        IObjectConstructor known = TorchGlobals.lookup(module, name);
        if (known != null) {
            return known;
        }
        IObjectConstructor pyrolite = objectConstructors.get(module + "." + name);
        return pyrolite != null ? pyrolite : new NamedClass(module, name);
    }

    /** ('storage', storage type, key, location, numel) → the storage's flat tensor. */
    private Object storage(Object pid) throws IOException {
        if (!(pid instanceof Object[]) || ((Object[]) pid).length != 5 || !"storage".equals(((Object[]) pid)[0])) {
            throw new PickleException("unsupported persistent id " + pid);
        }
        Object[] id = (Object[]) pid;
        if (!(id[1] instanceof StorageType)) {
            throw new PickleException("unknown storage type " + id[1] + " for storage '" + id[2] + "'");
        }
        return records.storage(id[2].toString(), (StorageType) id[1], ((Number) id[4]).longValue());
    }

    /** Pyrolite's fallback for other classes, named so that errors can say which class it was. */
    private static final class NamedClass extends ClassDictConstructor {
        private final String qualifiedName;

        NamedClass(String module, String name) {
            super(module, name);
            this.qualifiedName = module + "." + name;
        }

        @Override
        public String toString() {
            return qualifiedName;
        }
    }
}
