"""Rekognition error types, rendered in the AWS JSON 1.1 error shape by the server."""

from __future__ import annotations


class RekognitionError(Exception):
    """An error the service reports to the caller: ``{"__type": code, "Message": message}``."""

    code = "InternalServerError"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidImageFormatError(RekognitionError):
    code = "InvalidImageFormatException"


class ImageTooLargeError(RekognitionError):
    code = "ImageTooLargeException"


class InvalidParameterError(RekognitionError):
    code = "InvalidParameterException"


class InvalidS3ObjectError(RekognitionError):
    code = "InvalidS3ObjectException"


class UnknownOperationError(RekognitionError):
    code = "UnknownOperationException"


class SerializationError(RekognitionError):
    code = "SerializationException"


class ProvisionedThroughputExceededError(RekognitionError):
    """Over the account's transactions-per-second quota; botocore retries it as throttling."""

    code = "ProvisionedThroughputExceededException"


class InternalServerError(RekognitionError):
    code = "InternalServerError"
    status = 500
