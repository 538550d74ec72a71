"""PyTorch's side of test/interop/training-control.test.ts. Reads a JSON
request (path in argv[1]) and prints JSON:
  schedules: for each, the learning rate each epoch starts with (PyTorch's
    scheduler stepped once per epoch, or per batch for OneCycleLR, whose
    per-batch rates are printed), with the monitored values fed to
    ReduceLROnPlateau;
  clipping: the weights after one SGD step of a Linear(+ReLU)+Linear network
    under clip_grad_norm_ or clip_grad_value_, from the given weights and data,
    with CrossEntropyLoss."""
import json
import sys

import torch


def scheduler(kind, optimizer, options, epochs, batches):
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, options["stepSize"], options.get("gamma", 0.1))
    if kind == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, options["gamma"])
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, options.get("epochs", epochs),
                                                          options.get("minLearningRate", 0))
    if kind == "oneCycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, options["maxLearningRate"], total_steps=epochs * batches,
            pct_start=options.get("pctStart", 0.3), div_factor=options.get("divFactor", 25),
            final_div_factor=options.get("finalDivFactor", 1e4), cycle_momentum=False, anneal_strategy="cos")
    if kind == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=options.get("factor", 0.1), patience=options.get("patience", 10),
            threshold=options.get("threshold", 1e-4), threshold_mode="rel", cooldown=0,
            min_lr=options.get("minLearningRate", 0))
    raise ValueError(kind)


def schedule_rates(request):
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=request["baseRate"])
    options = request["options"]
    epochs, batches = request["epochs"], request.get("batches", 1)
    sched = scheduler(options["type"], optimizer, options, epochs, batches)
    rates = []
    if options["type"] == "oneCycle":
        for _ in range(epochs * batches):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            sched.step()
        return rates
    for epoch in range(epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if options["type"] == "plateau":
            sched.step(request["monitored"][epoch])
        else:
            sched.step()
    return rates


def two_layer_model(layers):
    first = torch.nn.Linear(len(layers[0]["weight"][0]), len(layers[0]["weight"]))
    second = torch.nn.Linear(len(layers[1]["weight"][0]), len(layers[1]["weight"]))
    with torch.no_grad():
        for module, layer in zip((first, second), layers):
            module.weight.copy_(torch.tensor(layer["weight"]))
            module.bias.copy_(torch.tensor(layer["bias"]))
    return first, second, torch.nn.Sequential(first, torch.nn.ReLU(), second)


def clipped_step(request):
    first, second, model = two_layer_model(request["layers"])
    optimizer = torch.optim.SGD(model.parameters(), lr=request["learningRate"])
    loss = torch.nn.CrossEntropyLoss()(model(torch.tensor(request["x"])), torch.tensor(request["labels"]))
    optimizer.zero_grad()
    loss.backward()
    if "clipNorm" in request:
        torch.nn.utils.clip_grad_norm_(model.parameters(), request["clipNorm"])
    else:
        torch.nn.utils.clip_grad_value_(model.parameters(), request["clipValue"])
    optimizer.step()
    return [{"weight": m.weight.tolist(), "bias": m.bias.tolist()} for m in (first, second)]


def scheduled_fit(request):
    """SGD with momentum under StepLR, batches in order (no shuffling), as
    fit({ shuffle: false, schedule }) trains: the weights after the epochs."""
    first, second, model = two_layer_model(request["layers"])
    optimizer = torch.optim.SGD(model.parameters(), lr=request["learningRate"], momentum=request["momentum"])
    options = request["schedule"]
    sched = torch.optim.lr_scheduler.StepLR(optimizer, options["stepSize"], options["gamma"])
    x, labels, size = torch.tensor(request["x"]), torch.tensor(request["labels"]), request["batchSize"]
    for _ in range(request["epochs"]):
        for start in range(0, len(labels), size):
            optimizer.zero_grad()
            torch.nn.CrossEntropyLoss()(model(x[start:start + size]), labels[start:start + size]).backward()
            optimizer.step()
        sched.step()
    return [{"weight": m.weight.tolist(), "bias": m.bias.tolist()} for m in (first, second)]


def weighted_gradients(request):
    """Class weights through CrossEntropyLoss(weight=…); sample weights as
    Σ wᵢ·lᵢ / Σ wᵢ over reduction='none' (the product of both when given)."""
    first, second, model = two_layer_model(request["layers"])
    logits = model(torch.tensor(request["x"]))
    labels = torch.tensor(request["labels"])
    if "sampleWeight" in request:
        rows = torch.nn.functional.cross_entropy(logits, labels, reduction="none")
        w = torch.tensor(request["sampleWeight"])
        if "classWeight" in request:
            w = w * torch.tensor(request["classWeight"])[labels]
        loss = (w * rows).sum() / w.sum()
    else:
        loss = torch.nn.CrossEntropyLoss(weight=torch.tensor(request["classWeight"]))(logits, labels)
    loss.backward()
    return {"loss": loss.item(),
            "grads": [{"weight": m.weight.grad.tolist(), "bias": m.bias.grad.tolist()} for m in (first, second)]}


request = json.load(open(sys.argv[1]))
print(json.dumps({
    "schedules": [schedule_rates(s) for s in request["schedules"]],
    "clipping": [clipped_step(c) for c in request["clipping"]],
    "weighted": [weighted_gradients(c) for c in request.get("weighted", [])],
    "fits": [scheduled_fit(c) for c in request.get("fits", [])],
}))
