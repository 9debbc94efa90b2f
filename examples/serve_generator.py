"""Export a trained generator for TensorFlow Serving, then query it as a client would.

    python examples/serve_generator.py --model=conditional_mnist/gan.keras --export_dir=/tmp/gen

1. loads a GAN saved with ``gan.save("....keras")`` (or trains a tiny one with ``--model=``
   left empty, so the example runs anywhere in seconds);
2. exports the generator with ``tfgan.export_generator``: ``<export_dir>/<step>/``, the layout
   ``tensorflow/serving`` watches;
3. builds the REST request body TensorFlow Serving expects and answers it the way the server
   would, from the SavedModel alone (no tfgan, no Keras), writing the returned images as a PNG.

With Docker, the real server is one command (see the README's serving section)::

    docker run -p 8501:8501 --mount type=bind,source=/tmp/gen,target=/models/generator \\
        -e MODEL_NAME=generator -t tensorflow/serving
    curl -d @request.json http://localhost:8501/v1/models/generator:predict
"""

import argparse
import json
import os

import numpy as np
import tensorflow as tf


def train_tiny_gan():
    import tfgan  # only needed to make a model; serving below needs TensorFlow alone

    generator = tfgan.networks.build_generator("dcgan", (16, 16, 1), 8, num_classes=3,
                                               base_filters=8)
    discriminator = tfgan.networks.build_discriminator("dcgan", (16, 16, 1), num_classes=3,
                                                       base_filters=4)
    gan = tfgan.GAN(generator, discriminator, latent_dim=8, num_classes=3, seed=0)
    gan.compile()
    gan.fit(tfgan.data.synthetic(num_examples=16, batch_size=4, image_size=16, num_classes=3,
                                 with_labels=True), epochs=1, verbose=0)
    return gan


def latent_dim_of(version_dir):
    """The size of ``z``, read from the export (as a client that did not train it would)."""
    signature = tf.saved_model.load(version_dir).signatures["serving_default"]
    return int(signature.structured_input_signature[1]["z"].shape[-1])


def request_body(latent_dim, labels, seed=0):
    """TensorFlow Serving's row-format body: one {"z": [...], ("label": k)} per image."""
    rng = np.random.default_rng(seed)
    instances = []
    for label in labels:
        instance = {"z": rng.standard_normal(latent_dim).round(4).tolist()}
        if label is not None:
            instance["label"] = int(label)
        instances.append(instance)
    return {"signature_name": "serving_default", "instances": instances}


def answer_like_tf_serving(version_dir, body):
    """Runs a REST body against the SavedModel as TensorFlow Serving does (row format)."""
    signature = tf.saved_model.load(version_dir).signatures[body["signature_name"]]
    specs = signature.structured_input_signature[1]
    instances = body["instances"]
    inputs = {name: tf.constant([row[name] for row in instances], spec.dtype)
              for name, spec in specs.items()}
    outputs = signature(**inputs)
    return {"predictions": [{name: value[i].numpy().tolist() for name, value in outputs.items()}
                            for i in range(len(instances))]}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="", help="a .keras file saved from a tfgan.GAN")
    parser.add_argument("--export_dir", default="exported_generator")
    parser.add_argument("--num", type=int, default=8, help="images to request")
    args = parser.parse_args()

    import keras
    import tfgan

    gan = keras.models.load_model(args.model) if args.model else train_tiny_gan()
    version_dir = tfgan.export_generator(gan, args.export_dir, overwrite=True)
    print(f"exported {version_dir}")

    labels = ([i % gan.num_classes for i in range(args.num)] if gan.conditional
              else [None] * args.num)
    body = request_body(latent_dim_of(version_dir), labels)
    with open(os.path.join(args.export_dir, "request.json"), "w") as f:
        json.dump(body, f)
    response = answer_like_tf_serving(version_dir, json.loads(json.dumps(body)))
    images = np.array([p["images_uint8"] for p in response["predictions"]], np.uint8)
    tfgan.images.save_image_grid(images.astype(np.float32) / 127.5 - 1,
                                 os.path.join(args.export_dir, "response.png"))
    print(f"served {images.shape[0]} images of shape {images.shape[1:]}; "
          f"request.json and response.png are in {args.export_dir}")


if __name__ == "__main__":
    main()
