"""AWS_STORAGE_BUCKET_NAME (with AWS_S3_ENDPOINT_URL and the keys) puts uploaded images in an
S3-compatible bucket, where visitors load them from; AWS_PRIVATE_STORAGE_BUCKET_NAME puts
shoppers' attachments in a private one.

The bucket server is moto's, a real S3-compatible HTTP server on 127.0.0.1; Django talks to it
from a process with the production settings and nothing but those environment variables.
"""

import io
import json

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from PIL import Image

from tests.deploy.servers import manage

PUBLIC, PRIVATE = "ceramica-alba-media", "ceramica-alba-private"
PUBLIC_IMAGES = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": [
                f"arn:aws:s3:::{PUBLIC}/images/*",
                f"arn:aws:s3:::{PUBLIC}/original_images/*",
            ],
        }
    ],
}

UPLOAD = """
import io, json
from PIL import Image as PILImage
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage, storages
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from demoshop import media

buffer = io.BytesIO()
PILImage.new("RGB", (120, 80), "#8a3b24").save(buffer, format="PNG")
name = default_storage.save("original_images/jarron.png", ContentFile(buffer.getvalue()))
image = get_image_model().objects.create(
    title="Jarrón azul", file=ImageFile(io.BytesIO(buffer.getvalue()), name="jarron-azul.png")
)
rendition = image.get_rendition("fill-40x40")
private = storages["contactkit_attachments"]
attachment = private.save("attachments/factura.txt", ContentFile("Factura 2024-117".encode()))
document = get_document_model().objects.create(
    title="Garantía", file=ContentFile("Dos años de garantía.".encode(), name="garantia.txt")
)
served = Client().get(document.url, HTTP_HOST="127.0.0.1")
about = Client().get("/quienes-somos/", HTTP_HOST="127.0.0.1")
print(json.dumps({
    "url": default_storage.url(name),
    "rendition_url": rendition.url,
    "attachment": attachment,
    "attachment_read": private.open(attachment).read().decode(),
    "media_routes": len(media.urlpatterns()),
    "document_key": document.file.name,
    "document_status": served.status_code,
    "document_content": b"".join(served.streaming_content).decode(),
    "about_status": about.status_code,
    "about_policy": about.headers.get("Content-Security-Policy", ""),
}))
"""


@pytest.fixture(scope="module")
def s3():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="shop-key",
        aws_secret_access_key="shop-secret",
        region_name="us-east-1",
    )
    for bucket in (PUBLIC, PRIVATE):
        client.create_bucket(Bucket=bucket)
    # As docs/deploy.md sets the media bucket up: anyone may read the images, nothing else.
    client.put_bucket_policy(Bucket=PUBLIC, Policy=json.dumps(PUBLIC_IMAGES))
    yield endpoint, client
    server.stop()


@pytest.fixture(scope="module")
def uploaded(shop, s3):
    endpoint, _client = s3
    env = {
        **shop.env,
        "AWS_STORAGE_BUCKET_NAME": PUBLIC,
        "AWS_PRIVATE_STORAGE_BUCKET_NAME": PRIVATE,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "shop-key",
        "AWS_SECRET_ACCESS_KEY": "shop-secret",
    }
    return json.loads(manage(env, "shell", "-c", UPLOAD).splitlines()[-1])


def test_an_uploaded_image_is_read_back_from_its_url(s3, uploaded):
    endpoint, _client = s3
    assert uploaded["url"] == f"{endpoint}/{PUBLIC}/original_images/jarron.png"
    response = requests.get(uploaded["url"], timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (120, 80)
    # Plain addresses, the same for every visitor: browsers and CDNs can keep them.
    assert "?" not in uploaded["url"]
    assert response.headers["Cache-Control"] == "public, max-age=86400"


def test_wagtail_writes_its_renditions_to_the_bucket(s3, uploaded):
    endpoint, _client = s3
    assert uploaded["rendition_url"].startswith(f"{endpoint}/{PUBLIC}/images/")
    response = requests.get(uploaded["rendition_url"], timeout=30)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (40, 40)


def test_django_serves_no_media_itself_then(uploaded):
    assert uploaded["media_routes"] == 0


def test_pages_allow_images_from_the_bucket(s3, uploaded):
    endpoint, _client = s3
    assert uploaded["about_status"] == 200
    img_src = next(
        part.split()
        for part in uploaded["about_policy"].split(";")
        if part.strip().startswith("img-src")
    )
    assert endpoint in img_src


def test_documents_are_served_through_wagtails_view(s3, uploaded):
    endpoint, _client = s3
    assert uploaded["document_status"] == 200
    assert uploaded["document_content"] == "Dos años de garantía."
    # Not readable straight from the bucket, where no privacy check would apply.
    direct = requests.get(f"{endpoint}/{PUBLIC}/{uploaded['document_key']}", timeout=30)
    assert direct.status_code == 403


def test_attachments_go_to_the_private_bucket(s3, uploaded):
    endpoint, client = s3
    assert uploaded["attachment_read"] == "Factura 2024-117"
    private = {item["Key"] for item in client.list_objects_v2(Bucket=PRIVATE)["Contents"]}
    public = {item["Key"] for item in client.list_objects_v2(Bucket=PUBLIC)["Contents"]}
    assert uploaded["attachment"] in private
    assert not any(key.startswith("attachments/") for key in public)
    # Nobody reads them without the shop's keys.
    direct = requests.get(f"{endpoint}/{PRIVATE}/{uploaded['attachment']}", timeout=30)
    assert direct.status_code == 403 and "Factura" not in direct.text
