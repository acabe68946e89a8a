"""The Python SDK of Ashen, a reverse search for video scenes.

    from ashen_client import Client
    with Client() as ashen:  # $ASHEN_API_URL, $ASHEN_API_KEY
        print(ashen.search("shot.jpg").result[0])

docs/sdk/python.md describes every method, the errors and the retries.
"""

from ashen_client._async_client import AsyncClient
from ashen_client._client import Client
from ashen_client._errors import (
    ApiError,
    AshenClientError,
    BadRequest,
    Forbidden,
    IndexingFailed,
    NotFound,
    PayloadTooLarge,
    PaymentRequired,
    RateLimited,
    ServerError,
    TransportError,
    Unauthorized,
    UnsupportedMediaType,
)
from ashen_client._local import LocalHashingUnavailable
from ashen_client._models import AnilistInfo, Match, Me, Removal, SearchResponse, Upload, UploadTarget, Video, VideoPage
from ashen_client._retry import Retry
from ashen_client._routes import OPERATIONS

__all__ = [
    "OPERATIONS",
    "AnilistInfo",
    "ApiError",
    "AshenClientError",
    "AsyncClient",
    "BadRequest",
    "Client",
    "Forbidden",
    "IndexingFailed",
    "LocalHashingUnavailable",
    "Match",
    "Me",
    "NotFound",
    "PayloadTooLarge",
    "PaymentRequired",
    "RateLimited",
    "Removal",
    "Retry",
    "SearchResponse",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "UnsupportedMediaType",
    "Upload",
    "UploadTarget",
    "Video",
    "VideoPage",
]
__version__ = "0.1.0"
