"""AWS: S3 and SQS concepts of the serverless deployment.

``s3`` (the uploaded object, presigned reads), ``naming`` (title and episode from an object key),
``fanout`` (a video planned as segment messages, and one segment run by a hash worker).
"""
