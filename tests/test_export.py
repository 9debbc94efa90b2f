"""Tests for tfgan.export: signatures, values, plain-TF loading, CLI, atomicity, REST, precision."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan import data as tfgan_data
from tfgan import export, networks
from tfgan.gan import GAN

LATENT = 8
IMAGE_SHAPE = (16, 16, 1)
NUM_CLASSES = 10
BATCH = 5
# docs/serving.md (the README links it) holds the request bodies the REST test replays.
DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                    "serving.md")
# Fresh processes only need to be quiet, not to see this process's environment changes.
QUIET_ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def _dcgan(num_classes=None):
    generator = networks.build_generator("dcgan", IMAGE_SHAPE, LATENT, num_classes,
                                         base_filters=4)
    discriminator = networks.build_discriminator("dcgan", IMAGE_SHAPE, num_classes,
                                                 base_filters=4)
    gan = GAN(generator, discriminator, LATENT, num_classes=num_classes)
    # Move the BatchNorm moving statistics away from their initial values so that inference
    # mode (training=False) and training mode give different images.
    for seed in range(3):
        generator(_inputs(_z(16, seed), num_classes, 16), training=True)
    return gan


def _tiny_gan(num_classes=None, image_shape=(4, 4, 1)):
    """Hand-made networks, the fastest to build and save (for the file-handling tests)."""
    size = int(np.prod(image_shape))
    generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(size, "tanh"),
                                  keras.layers.Reshape(image_shape)])
    discriminator = keras.Sequential([keras.Input(image_shape), keras.layers.Flatten(),
                                      keras.layers.Dense(1)])
    return GAN(generator, discriminator, LATENT, num_classes=num_classes)


def _z(batch=BATCH, seed=0):
    return tf.random.stateless_normal((batch, LATENT), seed=(seed, 7)).numpy()


def _labels(batch=BATCH):
    return (np.arange(batch) * 3 % NUM_CLASSES).astype(np.int32)


def _inputs(z, num_classes, batch=BATCH):
    return z if num_classes is None else [z, _labels(batch)]


def _signature_kwargs(z, conditional):
    kwargs = {"z": tf.constant(z)}
    if conditional:
        kwargs["label"] = tf.constant(_labels(len(z)))
    return kwargs


def _tree_digest(path):
    """A digest of every file's relative path and bytes under ``path``."""
    digest = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            digest.update(os.path.relpath(full, path).encode())
            with open(full, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()


def _export_dcgan(num_classes, base):
    """``(gan, path, loaded SavedModel)`` of a tiny DCGAN exported at step 1234."""
    gan = _dcgan(num_classes)
    gan.batches_seen.assign(1234)
    path = export.export_generator(gan, str(base))
    return gan, path, tf.saved_model.load(path)


@pytest.fixture(scope="module")
def unconditional_export(tmp_path_factory):
    return _export_dcgan(None, tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def conditional_export(tmp_path_factory):
    return _export_dcgan(NUM_CLASSES, tmp_path_factory.mktemp("export"))


@pytest.fixture(params=["unconditional", "conditional"])
def exported(request):
    """Both module-scoped exports in turn."""
    return request.getfixturevalue(f"{request.param}_export")


# --------------------------------------------------------------------------------------------
# Signatures and values


def test_layout_and_version_defaults_to_training_step(exported):
    gan, path, _ = exported
    assert os.path.basename(path) == "1234"
    assert sorted(os.listdir(os.path.dirname(path))) == ["1234"]  # No temporary left.
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert os.path.isfile(os.path.join(path, "assets.extra", "tfgan_export.json"))


def test_signature_names_dtypes_shapes(exported):
    gan, _, loaded = exported
    assert set(loaded.signatures) == {"serving_default", "score"}
    expected_inputs = {"z": (tf.float32, [None, LATENT])}
    if gan.conditional:
        expected_inputs["label"] = (tf.int32, [None])
    serve = loaded.signatures["serving_default"]
    inputs = serve.structured_input_signature[1]
    assert {k: (s.dtype, s.shape.as_list()) for k, s in inputs.items()} == expected_inputs
    outputs = serve.structured_outputs
    assert {k: (s.dtype, s.shape.as_list()) for k, s in outputs.items()} == {
        "images": (tf.float32, [None, *IMAGE_SHAPE]),
        "images_uint8": (tf.uint8, [None, *IMAGE_SHAPE]),
    }

    score = loaded.signatures["score"]
    expected_inputs = {"images": (tf.float32, [None, *IMAGE_SHAPE])}
    if gan.conditional:
        expected_inputs["label"] = (tf.int32, [None])
    inputs = score.structured_input_signature[1]
    assert {k: (s.dtype, s.shape.as_list()) for k, s in inputs.items()} == expected_inputs
    outputs = score.structured_outputs
    assert {k: (s.dtype, s.shape.as_list()) for k, s in outputs.items()} == {
        "score": (tf.float32, [None])}


def test_images_equal_the_generator_in_inference_mode(exported):
    gan, _, loaded = exported
    z = _z()
    out = loaded.signatures["serving_default"](**_signature_kwargs(z, gan.conditional))
    images = out["images"].numpy()
    assert images.shape == (BATCH, *IMAGE_SHAPE) and images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0
    inputs = _inputs(z, gan.num_classes)
    np.testing.assert_allclose(images, gan.generator(inputs, training=False), atol=1e-5)
    # The fixture moved BatchNorm's statistics, so training mode would differ (and would
    # update them again: restore them for the other tests).
    weights = gan.generator.get_weights()
    assert np.abs(images - gan.generator(inputs, training=True).numpy()).max() > 1e-3
    gan.generator.set_weights(weights)

    pixels = out["images_uint8"].numpy()
    assert pixels.dtype == np.uint8 and pixels.shape == images.shape
    expected = np.clip(np.round((images.astype(np.float32) + 1) * 127.5), 0, 255)
    np.testing.assert_array_equal(pixels, expected.astype(np.uint8))


def test_score_equals_discriminator_logits(exported):
    gan, _, loaded = exported
    images = tf.random.stateless_uniform((BATCH, *IMAGE_SHAPE), seed=(1, 2), minval=-1,
                                         maxval=1)
    kwargs = {"images": images}
    if gan.conditional:
        kwargs["label"] = tf.constant(_labels())
    score = loaded.signatures["score"](**kwargs)["score"].numpy()
    assert score.shape == (BATCH,) and score.dtype == np.float32
    logits = gan.discriminator(_inputs(images.numpy(), gan.num_classes), training=False)
    np.testing.assert_allclose(score, np.reshape(logits, [-1]), atol=1e-5)


def test_metadata_file(exported):
    gan, path, _ = exported
    with open(os.path.join(path, "assets.extra", "tfgan_export.json")) as f:
        metadata = json.load(f)
    import tfgan
    assert metadata["latent_dim"] == LATENT
    assert metadata["num_classes"] == gan.num_classes
    assert metadata["conditional"] == gan.conditional
    assert metadata["image_shape"] == list(IMAGE_SHAPE)
    assert metadata["version"] == 1234
    assert metadata["tfgan_version"] == tfgan.__version__
    assert metadata["signatures"]["serving_default"]["outputs"]["images_uint8"] == {
        "dtype": "uint8", "shape": [None, *IMAGE_SHAPE]}


def test_out_of_range_labels_are_rejected(conditional_export):
    _, _, loaded = conditional_export
    with pytest.raises(tf.errors.InvalidArgumentError, match="class id"):
        loaded.signatures["serving_default"](z=tf.constant(_z(2)),
                                             label=tf.constant([0, NUM_CLASSES]))


def test_generator_only_export(tmp_path):
    gan = _tiny_gan()
    path = export.export_generator(gan, str(tmp_path), version=3,
                                   include_discriminator_score=False)
    loaded = tf.saved_model.load(path)
    assert set(loaded.signatures) == {"serving_default"}
    assert not hasattr(loaded, "discriminator")
    generator = export.load_generator(path)
    assert not generator.has_score
    with pytest.raises(ValueError, match="without the 'score'"):
        generator.score(np.zeros((1, 4, 4, 1)))


def test_invalid_version(tmp_path):
    for version in (-1, 1.5, "7", True):
        with pytest.raises(ValueError, match="version"):
            export.export_generator(_tiny_gan(), str(tmp_path), version=version)


# --------------------------------------------------------------------------------------------
# load_generator


def test_load_generator(exported):
    gan, path, _ = exported
    generator = export.load_generator(os.path.dirname(path))  # Base dir: highest version.
    assert generator.path == path and generator.version == 1234
    assert generator.latent_dim == LATENT and generator.num_classes == gan.num_classes
    assert generator.image_shape == IMAGE_SHAPE and generator.has_score
    z = _z()
    labels = _labels() if gan.conditional else None
    images = generator(z, labels)
    assert isinstance(images, np.ndarray) and images.shape == (BATCH, *IMAGE_SHAPE)
    np.testing.assert_allclose(
        images, gan.generator(_inputs(z, gan.num_classes), training=False), atol=1e-5)
    assert generator(z, labels, uint8=True).dtype == np.uint8
    if gan.conditional:
        np.testing.assert_allclose(generator(z, 3), generator(z, np.full([BATCH], 3)))
        with pytest.raises(ValueError, match="conditional"):
            generator(z)
    else:
        with pytest.raises(ValueError, match="unconditional"):
            generator(z, labels=1)
    with pytest.raises(ValueError, match="shape"):
        generator(np.zeros((2, LATENT + 1)), labels)

    # Top-k: the kept images are the best-scored candidates, best first.
    label = 2 if gan.conditional else None
    best = generator.sample(3, labels=label, seed=4, candidates=12)
    z_all = np.random.default_rng(4).standard_normal((12, LATENT))
    all_scores = generator.score(generator(z_all, label), label)
    np.testing.assert_allclose(generator.score(best, label), np.sort(all_scores)[::-1][:3],
                               atol=1e-5)
    assert generator.sample(4, labels=label, seed=0, uint8=True).shape == (4, *IMAGE_SHAPE)


def test_load_generator_picks_highest_version_and_ignores_others(tmp_path):
    gan = _tiny_gan()
    for version in (2, 10, 9):
        export.export_generator(gan, str(tmp_path), version=version)
    os.makedirs(tmp_path / ".tmp-99-abc")  # A crashed export: not a SavedModel, ignored.
    os.makedirs(tmp_path / "11")  # An empty numbered directory: ignored too.
    assert export.load_generator(str(tmp_path)).version == 10
    assert export.resolve_version_path(str(tmp_path / "2")) == str(tmp_path / "2")
    with pytest.raises(FileNotFoundError):
        export.load_generator(str(tmp_path / "11"))


# --------------------------------------------------------------------------------------------
# Plain TensorFlow and TensorFlow Serving's tools

_FRESH_PROCESS_SCRIPT = textwrap.dedent("""
    import json, sys
    import tensorflow as tf

    def describe(path, conditional, latent):
        loaded = tf.saved_model.load(path)
        result = {"signatures": {}}
        for name, fn in loaded.signatures.items():
            result["signatures"][name] = {
                "inputs": {k: [s.dtype.name, s.shape.as_list()]
                           for k, s in fn.structured_input_signature[1].items()},
                "outputs": {k: [s.dtype.name, s.shape.as_list()]
                            for k, s in fn.structured_outputs.items()}}
        kwargs = {"z": tf.random.normal([3, latent])}
        if conditional:
            kwargs["label"] = tf.constant([0, 1, 2])
        out = loaded.signatures["serving_default"](**kwargs)
        result["outputs"] = {k: [v.dtype.name, v.shape.as_list()] for k, v in out.items()}
        images = out["images"].numpy()
        result["range"] = [float(images.min()), float(images.max())]
        with open(path + "/assets.extra/tfgan_export.json") as f:
            result["latent_dim"] = json.load(f)["latent_dim"]
        return result

    results = [describe(*case) for case in json.loads(sys.argv[1])]
    assert "tfgan" not in sys.modules
    print(json.dumps({"tfgan_imported": "tfgan" in sys.modules, "results": results}))
""")


def test_loads_in_a_fresh_process_without_tfgan(unconditional_export, conditional_export,
                                                tmp_path):
    exports = [unconditional_export, conditional_export]
    cases = [[path, gan.conditional, LATENT] for gan, path, _ in exports]
    # Run from an empty directory so that nothing but the installed packages is importable.
    proc = subprocess.run([sys.executable, "-c", _FRESH_PROCESS_SCRIPT, json.dumps(cases)],
                          capture_output=True, text=True, timeout=120, cwd=str(tmp_path),
                          env=QUIET_ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    assert answer["tfgan_imported"] is False
    for (gan, _, _), result in zip(exports, answer["results"]):
        assert result["latent_dim"] == LATENT
        serve = result["signatures"]["serving_default"]
        assert serve["inputs"]["z"] == ["float32", [None, LATENT]]
        assert ("label" in serve["inputs"]) == gan.conditional
        if gan.conditional:
            assert serve["inputs"]["label"] == ["int32", [None]]
        assert serve["outputs"]["images"] == ["float32", [None, *IMAGE_SHAPE]]
        assert serve["outputs"]["images_uint8"] == ["uint8", [None, *IMAGE_SHAPE]]
        assert result["signatures"]["score"]["outputs"]["score"] == ["float32", [None]]
        assert result["outputs"] == {"images": ["float32", [3, *IMAGE_SHAPE]],
                                     "images_uint8": ["uint8", [3, *IMAGE_SHAPE]]}
        assert -1.0 <= result["range"][0] <= result["range"][1] <= 1.0


def _saved_model_cli():
    """The ``saved_model_cli`` installed with TensorFlow, next to this Python if possible."""
    beside = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    if os.access(beside, os.X_OK):
        return [beside]
    found = shutil.which("saved_model_cli")
    if found:
        return [found]
    return [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]


def test_saved_model_cli_lists_the_signatures(conditional_export):
    _, path, _ = conditional_export
    proc = subprocess.run(_saved_model_cli() + ["show", "--dir", path, "--all"],
                          capture_output=True, text=True, timeout=120, env=QUIET_ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for needle in ("signature_def['serving_default']", "signature_def['score']",
                   "inputs['z']", "inputs['label']", "inputs['images']", "outputs['images']",
                   "outputs['images_uint8']", "outputs['score']", "DT_UINT8", "DT_INT32",
                   f"shape: (-1, {LATENT})", "shape: (-1, {}, {}, {})".format(*IMAGE_SHAPE),
                   "Method name is: tensorflow/serving/predict"):
        assert needle in out, needle


# --------------------------------------------------------------------------------------------
# TensorFlow Serving's loader: a model trained under mixed_bfloat16, through the TF1 session
# loader (what tensorflow_model_server and saved_model_cli run use) and saved_model_cli run.

SERVING_BATCH = 4


def _trained_bfloat16_export(num_classes, base):
    """``(gan, path)``: a tiny DCGAN trained two steps under mixed_bfloat16, then exported."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        gan = GAN(networks.build_generator("dcgan", IMAGE_SHAPE, LATENT, num_classes,
                                           base_filters=4),
                  networks.build_discriminator("dcgan", IMAGE_SHAPE, num_classes,
                                               base_filters=4),
                  LATENT, num_classes=num_classes, seed=0)
        gan.compile()
        data = tfgan_data.synthetic(num_examples=8, batch_size=SERVING_BATCH,
                                    image_size=IMAGE_SHAPE[0], num_classes=num_classes,
                                    with_labels=num_classes is not None)
        gan.fit(data, epochs=1, verbose=0, shuffle=False)
        assert gan.generator.compute_dtype == "bfloat16"
        return gan, export.export_generator(gan, str(base))
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.fixture(scope="module", params=["unconditional", "conditional"])
def bfloat16_export(request, tmp_path_factory):
    num_classes = NUM_CLASSES if request.param == "conditional" else None
    return _trained_bfloat16_export(num_classes, tmp_path_factory.mktemp("bf16"))


def _serving_feeds(conditional, images=False):
    """NumPy inputs of one signature: ``{name: [SERVING_BATCH, ...] array}``."""
    if images:
        feeds = {"images": np.linspace(-1, 1, SERVING_BATCH * int(np.prod(IMAGE_SHAPE)),
                                       dtype=np.float32).reshape(SERVING_BATCH, *IMAGE_SHAPE)}
    else:
        feeds = {"z": _z(SERVING_BATCH, seed=5).astype(np.float32)}
    if conditional:
        feeds["label"] = _labels(SERVING_BATCH)
    return feeds


def _check_generated(outputs):
    images, pixels = outputs["images"], outputs["images_uint8"]
    assert images.shape == (SERVING_BATCH, *IMAGE_SHAPE) and images.dtype == np.float32
    assert pixels.shape == images.shape and pixels.dtype == np.uint8
    assert -1.0 <= images.min() <= images.max() <= 1.0
    assert images.std() > 0  # not a constant (e.g. uninitialised) output
    np.testing.assert_array_equal(
        pixels, np.clip(np.round((images + 1) * 127.5), 0, 255).astype(np.uint8))


def _check_scores(scores):
    assert scores.shape == (SERVING_BATCH,) and scores.dtype == np.float32
    assert np.all(np.isfinite(scores))


def _session_run(path, signature_name, feeds):
    """Runs a signature the way TensorFlow Serving does: TF1 loader, graph, ``Session.run``."""
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], path)
        signature = meta_graph.signature_def[signature_name]
        assert signature.method_name == "tensorflow/serving/predict"
        assert set(signature.inputs) == set(feeds)
        fetches = {name: info.name for name, info in signature.outputs.items()}
        return session.run(fetches, {signature.inputs[name].name: value
                                     for name, value in feeds.items()})


def test_tf1_session_loader_runs_both_signatures(bfloat16_export):
    gan, path = bfloat16_export
    feeds = _serving_feeds(gan.conditional)
    generated = _session_run(path, "serving_default", feeds)
    _check_generated(generated)
    # The same images as the generator in inference mode (bfloat16 compute: loose tolerance).
    inputs = _inputs(feeds["z"], gan.num_classes, SERVING_BATCH)
    expected = tf.cast(gan.sampling_generator(inputs, training=False), tf.float32)
    np.testing.assert_allclose(generated["images"], expected, atol=2e-2)

    feeds = _serving_feeds(gan.conditional, images=True)
    scores = _session_run(path, "score", feeds)["score"]
    _check_scores(scores)
    logits = gan.discriminator(_inputs(feeds["images"], gan.num_classes, SERVING_BATCH),
                               training=False)
    np.testing.assert_allclose(scores, np.reshape(tf.cast(logits, tf.float32), [-1]),
                               rtol=5e-2, atol=5e-2)


def test_tf1_session_loader_rejects_out_of_range_labels(tmp_path):
    _, path = _trained_bfloat16_export(NUM_CLASSES, tmp_path)
    feeds = _serving_feeds(True)
    feeds["label"] = np.array([0, 1, 2, NUM_CLASSES], np.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="class id"):
        _session_run(path, "serving_default", feeds)


def test_saved_model_cli_run_executes_both_signatures(bfloat16_export, tmp_path):
    gan, path = bfloat16_export
    processes = {}
    for name, images in (("serving_default", False), ("score", True)):
        inputs = []
        for key, value in _serving_feeds(gan.conditional, images=images).items():
            np.save(tmp_path / f"{name}_{key}.npy", value)
            inputs.append(f"{key}={tmp_path / f'{name}_{key}.npy'}")
        processes[name] = subprocess.Popen(
            _saved_model_cli() + ["run", "--dir", path, "--tag_set", "serve",
                                  "--signature_def", name, "--inputs", ";".join(inputs),
                                  "--outdir", str(tmp_path / name)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=QUIET_ENV)
    for name, process in processes.items():
        _, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr[-3000:]
    _check_generated({key: np.load(tmp_path / "serving_default" / f"{key}.npy")
                      for key in ("images", "images_uint8")})
    _check_scores(np.load(tmp_path / "score" / "score.npy"))


# --------------------------------------------------------------------------------------------
# REST: the documented request bodies, handled as TensorFlow Serving handles them


def _doc_json_bodies():
    with open(DOCS) as f:
        text = f.read()
    return re.findall(r"```json\n(.*?)\n```", text, flags=re.S)


def _predict_rest(loaded, body_text):
    """TF Serving's REST predict: row-format "instances" -> batched tensors -> "predictions"."""
    body = json.loads(body_text)
    signature = loaded.signatures[body.get("signature_name", "serving_default")]
    specs = signature.structured_input_signature[1]
    instances = body["instances"]
    for instance in instances:  # Row format: every instance names every input.
        assert set(instance) == set(specs), (set(instance), set(specs))
    tensors = {name: tf.constant(np.asarray([instance[name] for instance in instances],
                                            dtype=spec.dtype.as_numpy_dtype))
               for name, spec in specs.items()}
    outputs = {name: value.numpy() for name, value in signature(**tensors).items()}
    if len(outputs) == 1:  # A single output is returned bare, not as an object.
        (value,) = outputs.values()
        predictions = [value[i].tolist() for i in range(len(instances))]
    else:
        predictions = [{name: value[i].tolist() for name, value in outputs.items()}
                       for i in range(len(instances))]
    return json.loads(json.dumps({"predictions": predictions}))  # The HTTP round trip.


def test_docs_have_the_server_and_curl_lines():
    with open(DOCS) as f:
        text = f.read()
    assert ("docker run -p 8501:8501 --mount type=bind,source=$PWD/runs/wgangp/export,"
            "target=/models/generator -e MODEL_NAME=generator -t tensorflow/serving") in text
    assert "http://localhost:8501/v1/models/generator:predict" in text
    assert "saved_model_cli show --dir" in text
    # No snippet assumes the latent size: dcgan.cfg has 4, the others 100.
    assert "randn(100)" not in text and "[16, 100]" not in text


def _serving_section_commands():
    """The shell commands of docs/serving.md's serving section that need no server or Docker."""
    with open(DOCS) as f:
        text = f.read()
    section = text[text.index("## Serving the generator"):]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines()
            if line.startswith(("python3 -c", "saved_model_cli"))]


def test_readme_serving_commands_run_as_written(unconditional_export, tmp_path):
    """saved_model_cli show/run and the request one-liner, on an export where they expect it."""
    gan, path, loaded = unconditional_export
    shutil.copytree(path, tmp_path / "runs" / "wgangp" / "export" / "11500")
    commands = _serving_section_commands()
    assert len(commands) == 4, commands
    for command in commands:
        # The user's python3 and saved_model_cli: this interpreter and the one installed with it.
        argv = command.replace("python3 -c", f"'{sys.executable}' -c", 1)
        argv = argv.replace("saved_model_cli", " ".join(_saved_model_cli()), 1)
        proc = subprocess.run(argv, shell=True, cwd=str(tmp_path), capture_output=True,
                              text=True, timeout=180, env=QUIET_ENV)
        assert proc.returncode == 0, (command, proc.stderr[-3000:])
    images = np.load(tmp_path / "generated" / "images.npy")
    assert images.shape == (4, *IMAGE_SHAPE) and images.dtype == np.float32
    assert -1 <= images.min() <= images.max() <= 1
    assert np.load(tmp_path / "generated" / "images_uint8.npy").dtype == np.uint8
    # The request body: latent_dim read from the export, 16 instances TF Serving accepts.
    body = (tmp_path / "request.json").read_text()
    assert len(json.loads(body)["instances"][0]["z"]) == LATENT
    predictions = _predict_rest(loaded, body)["predictions"]
    assert [np.asarray(p["images"]).shape for p in predictions] == [IMAGE_SHAPE] * 16


def test_documented_rest_bodies(exported):
    gan, _, loaded = exported
    bodies = _doc_json_bodies()
    z = _z(1)[0].tolist()
    serving = [b for b in bodies if '"serving_default"' in b]
    conditional_bodies = [b for b in serving if '"label"' in b]
    assert len(serving) == 2 and len(conditional_bodies) == 1
    body = (conditional_bodies if gan.conditional else
            [b for b in serving if '"label"' not in b])[0]
    assert "[...]" in body
    response = _predict_rest(loaded, body.replace("[...]", json.dumps(z)))
    assert len(response["predictions"]) == 1
    prediction = response["predictions"][0]
    assert set(prediction) == {"images", "images_uint8"}
    images = np.asarray(prediction["images"], np.float32)
    assert images.shape == IMAGE_SHAPE
    assert np.asarray(prediction["images_uint8"]).shape == IMAGE_SHAPE
    z_batch = np.asarray([z], np.float32)
    inputs = [z_batch, np.asarray([3], np.int32)] if gan.conditional else z_batch
    np.testing.assert_allclose(images, gan.generator(inputs, training=False)[0], atol=1e-5)

    # A batch of several instances, built the way the documented one-liner builds them.
    instances = [{"z": row.tolist()} for row in _z(4, seed=3)]
    if gan.conditional:
        for i, instance in enumerate(instances):
            instance["label"] = i
    body = json.dumps({"signature_name": "serving_default", "instances": instances})
    predictions = _predict_rest(loaded, body)["predictions"]
    assert [np.asarray(p["images"]).shape for p in predictions] == [IMAGE_SHAPE] * 4

    if not gan.conditional:  # The documented score body.
        (score_body,) = [b for b in bodies if '"score"' in b]
        image = np.zeros(IMAGE_SHAPE).tolist()
        response = _predict_rest(loaded, score_body.replace("[[[...]]]", json.dumps(image)))
        assert isinstance(response["predictions"][0], float)


# --------------------------------------------------------------------------------------------
# Atomicity


def _failing_save(calls):
    def save(obj, export_dir, *args, **kwargs):
        calls.append(export_dir)
        with open(os.path.join(export_dir, "saved_model.pb"), "wb") as f:
            f.write(b"half a model")
        raise RuntimeError("disk full")
    return save


def test_failed_export_leaves_nothing(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(tf.saved_model, "save", _failing_save(calls))
    with pytest.raises(RuntimeError, match="disk full"):
        export.export_generator(_tiny_gan(), str(tmp_path / "export"), version=5)
    # It wrote into a hidden sibling temporary, never into the version directory...
    assert os.path.dirname(calls[0]) == str(tmp_path / "export")
    assert os.path.basename(calls[0]).startswith(".tmp-5-")
    # ...which was removed.
    assert os.listdir(tmp_path / "export") == []


def test_failure_after_saving_leaves_nothing(tmp_path, monkeypatch):
    def broken_metadata(*args, **kwargs):
        raise OSError("cannot write metadata")
    monkeypatch.setattr(export, "_metadata", broken_metadata)
    with pytest.raises(OSError, match="metadata"):
        export.export_generator(_tiny_gan(), str(tmp_path), version=5)
    assert os.listdir(tmp_path) == []


def test_existing_version_is_refused_and_untouched(tmp_path, monkeypatch):
    gan = _tiny_gan()
    path = export.export_generator(gan, str(tmp_path), version=7)
    before = _tree_digest(path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        export.export_generator(_tiny_gan(), str(tmp_path), version=7)
    assert _tree_digest(path) == before

    # A failed overwrite leaves the old version as it was.
    monkeypatch.setattr(tf.saved_model, "save", _failing_save([]))
    with pytest.raises(RuntimeError):
        export.export_generator(_tiny_gan(), str(tmp_path), version=7, overwrite=True)
    assert _tree_digest(path) == before
    assert os.listdir(tmp_path) == ["7"]


def test_overwrite_replaces_the_version(tmp_path):
    old_gan, new_gan = _tiny_gan(), _tiny_gan()
    path = export.export_generator(old_gan, str(tmp_path), version=7)
    assert export.export_generator(new_gan, str(tmp_path), version=7, overwrite=True) == path
    assert os.listdir(tmp_path) == ["7"]  # Neither the temporary nor the old copy remains.
    z = _z()
    np.testing.assert_allclose(export.load_generator(path)(z), new_gan.generator(z),
                               atol=1e-6)


def test_overwrite_rolls_back_when_the_final_rename_fails(tmp_path, monkeypatch):
    path = export.export_generator(_tiny_gan(), str(tmp_path), version=7)
    before = _tree_digest(path)
    real_rename = os.rename

    def rename(src, dst):
        if os.path.basename(src).startswith(".tmp-"):
            raise OSError("rename failed")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="rename failed"):
        export.export_generator(_tiny_gan(), str(tmp_path), version=7, overwrite=True)
    assert os.listdir(tmp_path) == ["7"]
    assert _tree_digest(path) == before


# --------------------------------------------------------------------------------------------
# Mixed precision


@pytest.fixture
def bfloat16_policy():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_mixed_precision_exports_float32(tmp_path, bfloat16_policy):
    # The library's networks (float32 output layers) and hand-made ones ending in bfloat16.
    library = GAN(networks.build_generator("dcgan", IMAGE_SHAPE, LATENT, base_filters=4),
                  networks.build_discriminator("dcgan", IMAGE_SHAPE, base_filters=4), LATENT)
    hand_made = _tiny_gan()
    assert hand_made.generator(_z()).dtype == "bfloat16"
    for name, gan in (("library", library), ("hand_made", hand_made)):
        path = export.export_generator(gan, str(tmp_path / name), version=1)
        loaded = tf.saved_model.load(path)
        serve = loaded.signatures["serving_default"]
        assert serve.structured_outputs["images"].dtype == tf.float32
        out = serve(z=tf.constant(_z()))
        assert out["images"].dtype == tf.float32 and out["images_uint8"].dtype == tf.uint8
        expected = tf.cast(gan.generator(_z(), training=False), tf.float32)
        np.testing.assert_allclose(out["images"], expected, atol=2e-2)
        images = tf.zeros((BATCH, *gan.generator.output_shape[1:]))
        assert loaded.signatures["score"](images=images)["score"].dtype == tf.float32
    assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"


def test_export_of_a_gan_built_under_a_distribution_strategy(tmp_path):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        gan = _tiny_gan()
        gan.compile()
        inside = export.export_generator(gan, str(tmp_path), version=1)
    outside = export.export_generator(gan, str(tmp_path), version=2)
    z = _z()
    for path in (inside, outside):
        np.testing.assert_allclose(export.load_generator(path)(z), gan.generator(z),
                                   atol=1e-6)


def test_version_directory_is_readable_like_any_new_directory(tmp_path):
    umask = os.umask(0o022)
    try:
        path = export.export_generator(_tiny_gan(), str(tmp_path), version=1)
    finally:
        os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o755


def test_a_version_appearing_during_the_export_is_not_clobbered(tmp_path, monkeypatch):
    real_save = tf.saved_model.save

    def save_racing_another_export(obj, export_dir, *args, **kwargs):
        os.makedirs(tmp_path / "4")
        (tmp_path / "4" / "saved_model.pb").write_bytes(b"the other export")
        return real_save(obj, export_dir, *args, **kwargs)

    monkeypatch.setattr(tf.saved_model, "save", save_racing_another_export)
    with pytest.raises(FileExistsError, match="during the export"):
        export.export_generator(_tiny_gan(), str(tmp_path), version=4)
    assert os.listdir(tmp_path) == ["4"]
    assert (tmp_path / "4" / "saved_model.pb").read_bytes() == b"the other export"
