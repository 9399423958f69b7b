public enum AirlockApp {}
