"""``sklearn-metalink info``: what a model file holds, read without importing torch."""

from ..persistence import read_model_info


def info(args, progress):
    """Print the model, tasks, input, training, parameters and versions of a model file."""
    document = read_model_info(args.model_path)
    model = document["model"]
    steps = model["steps"] if model["kind"] == "pipeline" else [model]
    fitted = steps[-1]["fitted"]
    tasks = fitted["task_names_"]
    size = file_size(document["n_bytes"])
    lines = [
        ("file", f"{args.model_path} ({size}, format {document['format_version']})"),
        ("model", " -> ".join(step["class"] for step in steps)),
        ("tasks", f"{len(tasks)}: {', '.join(map(str, tasks))}"),
        ("input", _describe_input(steps[0], fitted)),
        ("training", _describe_history(fitted["history"])),
    ]
    for step in steps:
        params = ", ".join(f"{key}={value!r}" for key, value in sorted(step["params"].items()))
        lines.append((step["class"], params))
    versions = document["versions"]
    # The package first: the version that matters most when a file does not load.
    order = ["sklearn-metalink"] + [name for name in versions if name != "sklearn-metalink"]
    written_by = ", ".join(f"{name} {versions[name]}" for name in order if versions.get(name))
    lines.append(("written by", written_by))
    width = max(len(label) for label, _ in lines)
    for label, text in lines:
        print(f"{label:<{width}}  {text}")


def _describe_input(first_step, fitted):
    names = first_step["fitted"].get("feature_names_in_") or fitted.get("feature_names_in_")
    if first_step["kind"] == "transformer":
        column = f" from column {names[0]!r}" if names else ""
        return f"one molecule per row (SMILES{column})"
    if first_step["params"].get("encoder") == "mpnn":
        return "one molecule per row (SMILES)"
    count = fitted["n_features_in_"]
    return f"{count} numeric features" + (f": {', '.join(names[:5])}, ..." if names else "")


def _describe_history(history):
    if not history:
        return "no history"
    last = history[-1]
    text = f"{len(history)} epochs, last train loss {last['train_loss']:.4f}"
    valid = [(row["epoch"], row["valid_loss"]) for row in history if "valid_loss" in row]
    if valid:
        epoch, loss = min(valid, key=lambda item: item[1])
        text += f", best validation loss {loss:.4f} (epoch {epoch})"
    return text


def file_size(n_bytes):
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e5 else f"{n_bytes / 1e3:.1f} kB"
