public enum S3Placeholder {}
