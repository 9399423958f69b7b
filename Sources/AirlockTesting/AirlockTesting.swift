public enum AirlockTesting {}
