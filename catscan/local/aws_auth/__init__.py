"""Request authentication shared by the local cloud's emulators (the AppSync emulator and the gate in front
of S3 and Cognito): SigV4 signatures (sigv4.py) and Cognito user-pool JWTs (cognito_jwt.py).

Each emulator turns a failure into its own service's error shape; these modules only decide."""
